"""GPU and quantization reference tables used for sizing: memory, bandwidth, bytes per weight.

Figures are vendor datasheet values (memory in GB as marketed; bandwidth in GB/s) and llama.cpp's
published bits-per-weight for its GGUF quantization mixes. Nothing here is measured on our machines.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

GIB = 1024**3
GB = 1e9


class GpuModel(BaseModel):
    """One GPU product: memory size and peak memory bandwidth."""

    name: str
    vram_gib: float = Field(gt=0, description="Memory as marketed (NVIDIA's '24 GB' cards hold 24 GiB).")
    bandwidth_gbs: float = Field(gt=0, description="Peak memory bandwidth, GB/s.")
    source: str = ""

    @property
    def vram_bytes(self) -> float:
        return self.vram_gib * GIB


GPU_TABLE: dict[str, GpuModel] = {
    g.name.lower(): g
    for g in [
        GpuModel(name="RTX 3090", vram_gib=24, bandwidth_gbs=936, source="NVIDIA GeForce RTX 3090 spec page"),
        GpuModel(name="RTX 4090", vram_gib=24, bandwidth_gbs=1008, source="NVIDIA GeForce RTX 4090 spec page"),
        GpuModel(name="RTX 5090", vram_gib=32, bandwidth_gbs=1792, source="NVIDIA GeForce RTX 5090 spec page"),
        GpuModel(
            name="RTX PRO 6000 Blackwell",
            vram_gib=96,
            bandwidth_gbs=1792,
            source="NVIDIA RTX PRO 6000 Blackwell datasheet",
        ),
        GpuModel(name="RTX A6000", vram_gib=48, bandwidth_gbs=768, source="NVIDIA RTX A6000 datasheet"),
        GpuModel(name="L4", vram_gib=24, bandwidth_gbs=300, source="NVIDIA L4 datasheet"),
        GpuModel(name="L40S", vram_gib=48, bandwidth_gbs=864, source="NVIDIA L40S datasheet"),
        GpuModel(name="A100 40GB", vram_gib=40, bandwidth_gbs=1555, source="NVIDIA A100 datasheet (SXM/PCIe 40GB)"),
        GpuModel(name="A100 80GB", vram_gib=80, bandwidth_gbs=2039, source="NVIDIA A100 datasheet (SXM 80GB)"),
        GpuModel(
            name="H100 SXM",
            vram_gib=79.6,
            bandwidth_gbs=3350,
            source="NVIDIA H100 datasheet (SXM5); 81559 MiB total per nvidia-smi on an H100 80GB HBM3",
        ),
        GpuModel(name="H100 PCIe", vram_gib=80, bandwidth_gbs=2000, source="NVIDIA H100 datasheet (PCIe)"),
        GpuModel(name="H200", vram_gib=141, bandwidth_gbs=4800, source="NVIDIA H200 datasheet (SXM)"),
    ]
}

_GPU_ALIASES = {
    "3090": "rtx 3090",
    "4090": "rtx 4090",
    "5090": "rtx 5090",
    "rtx pro 6000": "rtx pro 6000 blackwell",
    "a100": "a100 80gb",
    "a100-40gb": "a100 40gb",
    "a100-80gb": "a100 80gb",
    "h100": "h100 sxm",
    "h100-sxm": "h100 sxm",
    "h100-pcie": "h100 pcie",
}


def _key(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().lower().replace("nvidia", "").replace("geforce", "")).strip()


def lookup_gpu(name: str) -> GpuModel | None:
    """The table entry for a GPU name ('RTX 3090', 'nvidia h100 sxm', 'a100-40gb'), or None if unknown."""
    key = _key(name)
    key = _GPU_ALIASES.get(key, key)
    return GPU_TABLE.get(key)


# Bytes per parameter for weights. GGUF mixes use llama.cpp's measured bits per weight on Llama 2 7B
# (tools/quantize/README.md): mixes keep some tensors at higher precision, so Q4_K_M is ~4.84 bpw, not 4.
# AWQ/GPTQ 4-bit add group scales and zero points (group size 128): ~4.25 bpw on the quantized layers.
BYTES_PER_PARAM: dict[str, float] = {
    "fp32": 4.0,
    "fp16": 2.0,
    "bf16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "awq": 0.53,
    "gptq": 0.53,
    "q2_k": 3.35 / 8,
    "q3_k_s": 3.50 / 8,
    "q3_k_m": 3.91 / 8,
    "q3_k_l": 4.27 / 8,
    "q4_0": 4.55 / 8,
    "q4_k_s": 4.58 / 8,
    "q4_k_m": 4.84 / 8,
    "q5_0": 5.54 / 8,
    "q5_k_s": 5.52 / 8,
    "q5_k_m": 5.68 / 8,
    "q6_k": 6.56 / 8,
    "q8_0": 8.50 / 8,
}

GGUF_TYPES = frozenset(k for k in BYTES_PER_PARAM if k.startswith("q"))

KV_DTYPE_BYTES: dict[str, float] = {
    "fp32": 4.0,
    "fp16": 2.0,
    "bf16": 2.0,
    "fp8": 1.0,
    "q8_0": 1.0625,
    "q4_0": 0.5625,
}


def normalize_quantization(value: str) -> str:
    """Canonical lower-case quantization name; raises ValueError listing the known ones."""
    key = value.strip().lower().replace("-", "_")
    key = {"float16": "fp16", "half": "fp16", "bfloat16": "bf16", "float32": "fp32", "awq_4bit": "awq"}.get(key, key)
    if key.startswith("gguf_"):
        key = key[5:]
    if key not in BYTES_PER_PARAM:
        known = ", ".join(sorted(BYTES_PER_PARAM))
        raise ValueError(f"unknown quantization {value!r}; known: {known}")
    return key


def bytes_per_param(quantization: str) -> float:
    """Bytes one weight takes at this quantization (FP16 2, INT8 1, AWQ ~0.53, Q4_K_M ~0.605, Q8_0 ~1.06)."""
    return BYTES_PER_PARAM[normalize_quantization(quantization)]
