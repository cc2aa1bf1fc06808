"""Fine-tuning glue for System B: write an Axolotl QLoRA config for a chat-format JSONL data set, and register
the trained LoRA adapter in the model catalog so the gateway and the agent can route a role to it.

Training itself runs on GPU hosts outside chemassist (`axolotl train FILE.axolotl.yaml`). The catalog is edited
as data (PyYAML keeps no comments, so the file's leading comment block is carried over by hand and the previous
version is kept beside it as `.bak`), and validated by `serve.catalog` before anything is written.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from serve.catalog import ROLES, Catalog, parse_catalog, read_yaml
from serve.errors import CatalogError

DEFAULT_BASE_MODEL = "Qwen/Qwen2.5-7B-Instruct"
# The attention and MLP projections of Llama/Qwen/Mistral-style decoders: the usual QLoRA targets.
DEFAULT_TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class QLoraConfig:
    """The knobs of a QLoRA run that a lab changes; everything else in the template is a sound default."""

    base_model: str
    dataset_path: str
    output_dir: str
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    target_modules: tuple[str, ...] = DEFAULT_TARGET_MODULES
    sequence_len: int = 4096
    micro_batch_size: int = 2
    gradient_accumulation_steps: int = 4
    num_epochs: int = 3
    learning_rate: float = 2e-4
    val_set_size: float = 0.05
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        checks = [
            (bool(self.base_model.strip()), "base_model must name a model (hub id or local directory)"),
            (bool(self.dataset_path.strip()), "dataset_path must name the JSONL file"),
            (self.lora_r > 0 and self.lora_alpha > 0, "lora_r and lora_alpha must be positive"),
            (0 <= self.lora_dropout < 1, "lora_dropout must be in [0, 1)"),
            (bool(self.target_modules), "target_modules must list at least one module"),
            (128 <= self.sequence_len <= 1_000_000, "sequence_len must be between 128 and 1,000,000 tokens"),
            (self.micro_batch_size > 0 and self.gradient_accumulation_steps > 0, "batch sizes must be positive"),
            (self.num_epochs > 0, "num_epochs must be positive"),
            (0 < self.learning_rate < 1, "learning_rate must be in (0, 1)"),
            (0 <= self.val_set_size < 1, "val_set_size must be in [0, 1)"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)


def axolotl_config(cfg: QLoraConfig) -> dict[str, Any]:
    """An Axolotl config dict: 4-bit base, QLoRA adapter, OpenAI-style `messages` JSONL via the chat template."""
    return {
        "base_model": cfg.base_model,
        "load_in_8bit": False,
        "load_in_4bit": True,
        "strict": False,
        "chat_template": "tokenizer_default",
        "datasets": [
            {
                "path": cfg.dataset_path,
                "ds_type": "json",
                "type": "chat_template",
                "field_messages": "messages",
                "message_property_mappings": {"role": "role", "content": "content"},
                "roles_to_train": ["assistant"],
            }
        ],
        "dataset_prepared_path": str(Path(cfg.output_dir) / "prepared"),
        "val_set_size": cfg.val_set_size,
        "output_dir": cfg.output_dir,
        "adapter": "qlora",
        "lora_r": cfg.lora_r,
        "lora_alpha": cfg.lora_alpha,
        "lora_dropout": cfg.lora_dropout,
        "lora_target_modules": list(cfg.target_modules),
        "sequence_len": cfg.sequence_len,
        "sample_packing": True,
        "pad_to_sequence_len": True,
        "micro_batch_size": cfg.micro_batch_size,
        "gradient_accumulation_steps": cfg.gradient_accumulation_steps,
        "num_epochs": cfg.num_epochs,
        "optimizer": "paged_adamw_8bit",
        "lr_scheduler": "cosine",
        "learning_rate": cfg.learning_rate,
        "warmup_ratio": 0.05,
        "train_on_inputs": False,
        "bf16": "auto",
        "tf32": True,
        "gradient_checkpointing": True,
        "logging_steps": 10,
        "saves_per_epoch": 1,
        "evals_per_epoch": 1 if cfg.val_set_size else 0,
        **cfg.extra,
    }


def axolotl_yaml(cfg: QLoraConfig) -> str:
    """The config as YAML text with a header saying what it is and how to run it."""
    header = (
        "# QLoRA fine-tuning config written by chemassist (serve/finetune.py): Axolotl format.\n"
        f"# Data: {cfg.dataset_path} (chat-format JSONL of reviewed examples).\n"
        "# Check base_model, sequence_len and batch sizes against your GPUs; put the JSONL beside this file and run\n"
        "# from that folder: axolotl train THIS_FILE\n"
        "# Register the result: chemassist export register-adapter --base SERVED_NAME --name NAME "
        f"--path {cfg.output_dir} --role ROLE\n"
    )
    return header + yaml.safe_dump(axolotl_config(cfg), sort_keys=False)


def write_axolotl_config(path: Path | str, cfg: QLoraConfig) -> Path:
    """Write `axolotl_yaml(cfg)` to PATH."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(axolotl_yaml(cfg), encoding="utf-8")
    return path


class _Dumper(yaml.SafeDumper):
    """Indents list items under their key, as the hand-written catalogs do."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _dump_catalog(data: dict[str, Any]) -> str:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)
    return text.replace("\n  - name: ", "\n\n  - name: ").replace("models:\n\n", "models:\n")


def _leading_comments(text: str) -> str:
    lines: list[str] = []
    for line in text.splitlines(keepends=True):
        if line.startswith("#") or (lines and not line.strip()):
            lines.append(line)
        else:
            break
    return "".join(lines).rstrip("\n") + "\n" if lines else ""


def register_adapter(
    catalog_path: Path | str, *, base: str, name: str, path: str, role: str, replace: bool = False
) -> Catalog:
    """Add LoRA adapter NAME (weights at PATH, answering ROLE) to base model BASE in the catalog file.

    The edited catalog is validated before it is written (unique served names, vllm engine for adapters...);
    the previous file is kept as CATALOG.bak. Raises CatalogError with a message for the lab's admin.
    """
    catalog_path = Path(catalog_path)
    if role not in ROLES or role == "embeddings":
        raise CatalogError(f"an adapter answers one of the chat roles (general, chemistry, materials), not {role!r}")
    data = read_yaml(catalog_path, "catalog", CatalogError)
    parse_catalog(data, what=f"catalog {catalog_path}")  # the file must be valid before we touch it
    models = data["models"]
    entry = next((m for m in models if isinstance(m, dict) and m.get("name") == base), None)
    if entry is None:
        known = ", ".join(str(m.get("name")) for m in models if isinstance(m, dict))
        raise CatalogError(f"no base model named {base!r} in catalog {catalog_path}; known: {known}")
    adapters = entry.setdefault("adapters", []) or []
    entry["adapters"] = adapters
    existing = [a for a in adapters if a.get("name") == name]
    if existing and not replace:
        raise CatalogError(f"adapter {name!r} is already registered on {base!r}; pass --replace to point it elsewhere")
    for adapter in existing:
        adapters.remove(adapter)
    adapters.append({"name": name, "path": path, "role": role})
    catalog = parse_catalog(data, what=f"catalog {catalog_path} with adapter {name!r}")

    original = catalog_path.read_text(encoding="utf-8")
    shutil.copyfile(catalog_path, catalog_path.with_name(catalog_path.name + ".bak"))
    tmp = catalog_path.with_name(catalog_path.name + ".tmp")
    tmp.write_text(_leading_comments(original) + _dump_catalog(data), encoding="utf-8")
    os.replace(tmp, catalog_path)
    return catalog
