"""Self-hosted versus cloud-API cost arithmetic: batched decode capacity, monthly cost, $ per million tokens,
break-even volume and total cost of ownership.

Pure functions over small frozen dataclasses; every price is an input. The defaults the Compute planner
offers (`GPU_COSTS`, `ASSUMPTIONS`, and serve.cloud_prices' `CLOUD_PRESETS`) say where each number comes from:
board power is the vendor datasheet figure, prices are 2025 list or street prices and are *assumptions* the
user should edit.
Nothing here is measured on our machines. Written by hand because no library we use does TCO arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from serve.catalog import ModelEntry
from serve.cloud_prices import CloudApi, cloud_usd_per_m_output
from serve.hardware import GpuModel, lookup_gpu
from serve.sizing import DEFAULT_EFFICIENCY, kv_bytes_per_token_per_gpu, weight_bytes

HOURS_PER_MONTH = 730.0  # 8760 h / 12
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600
TP_ALLREDUCE_FACTOR = 0.85  # same all-reduce penalty serve.sizing applies to tensor-parallel decode


# -- capacity ------------------------------------------------------------------------------------------------


def batch_decode_tokens_per_s(
    model: ModelEntry,
    gpus: Sequence[GpuModel],
    tp: int,
    context: int,
    batch: int,
    efficiency: float = DEFAULT_EFFICIENCY[0],
) -> float:
    """Output tokens/s of BATCH sequences decoding together on TP of GPUS (bandwidth-bound estimate).

    One decode step reads this rank's weight shard once for the whole batch plus every sequence's KV cache
    (half-full on average, as in serve.sizing), so tokens/s = batch x bandwidth x efficiency /
    (weights per GPU + batch x KV per token per GPU x context / 2), x0.85 when tp > 1. With batch=1 this
    is serve.sizing's single-stream estimate. It ignores the compute ceiling, so very large batches are
    optimistic: keep `batch` within what the KV cache holds and what the engine is configured for.
    """
    if batch < 1 or tp < 1 or context < 1:
        raise ValueError("batch, tp and context must be at least 1")
    if tp > len(gpus):
        raise ValueError(f"tensor-parallel degree {tp} needs {tp} GPUs, only {len(gpus)} given")
    group = list(gpus[:tp])
    bandwidth = min(g.bandwidth_gbs for g in group) * 1e9
    weights_per_gpu = weight_bytes(model.params_b, model.quantization) / tp
    kv_per_gpu = kv_bytes_per_token_per_gpu(model, tp) * context / 2
    speed = batch * bandwidth * efficiency / (weights_per_gpu + batch * kv_per_gpu)
    return speed * (TP_ALLREDUCE_FACTOR if tp > 1 else 1.0)


# -- costs ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SelfHosted:
    """One deployment: the GPUs one model instance runs on, its share of a host, and how it is paid for.

    Buying: purchase price amortised over `amortisation_years`, plus electricity. Renting
    (`rental_usd_per_gpu_hour` set): billed every hour of the month, power included, no purchase.
    `ops_overhead` (a fraction) is added on top of both for admin time, maintenance, cooling and space.
    `utilisation` is the fraction of the month the deployment decodes at `output_tokens_per_s`.
    """

    gpus: int
    output_tokens_per_s: float
    purchase_usd_per_gpu: float = 0.0
    other_hardware_usd: float = 0.0
    rental_usd_per_gpu_hour: float | None = None
    power_w_per_gpu: float = 0.0
    idle_power_w_per_gpu: float = 0.0
    host_power_w: float = 0.0
    electricity_usd_per_kwh: float = 0.0
    utilisation: float = 0.5
    amortisation_years: float = 3.0
    ops_overhead: float = 0.2
    prefill_speedup: float = 10.0

    def __post_init__(self) -> None:
        if self.gpus < 1:
            raise ValueError("a deployment needs at least one GPU")
        if self.output_tokens_per_s <= 0:
            raise ValueError("throughput must be positive")
        if not 0 < self.utilisation <= 1:
            raise ValueError("utilisation must be in (0, 1]")
        if self.amortisation_years <= 0:
            raise ValueError("amortisation period must be positive")
        if self.prefill_speedup <= 0:
            raise ValueError("prefill speed-up must be positive")
        negative = [
            name
            for name in ("purchase_usd_per_gpu", "other_hardware_usd", "power_w_per_gpu", "idle_power_w_per_gpu")
            + ("host_power_w", "electricity_usd_per_kwh", "ops_overhead")
            if getattr(self, name) < 0
        ]
        if negative or (self.rental_usd_per_gpu_hour is not None and self.rental_usd_per_gpu_hour < 0):
            raise ValueError(f"costs cannot be negative ({', '.join(negative) or 'rental_usd_per_gpu_hour'})")

    @property
    def rented(self) -> bool:
        return self.rental_usd_per_gpu_hour is not None


def hardware_usd_per_month(h: SelfHosted) -> float:
    """Purchase amortised per month, or the rental bill for every hour of the month."""
    if h.rented:
        return h.gpus * (h.rental_usd_per_gpu_hour or 0.0) * HOURS_PER_MONTH
    capex = h.gpus * h.purchase_usd_per_gpu + h.other_hardware_usd
    return capex / (h.amortisation_years * 12)


def power_usd_per_month(h: SelfHosted) -> float:
    """Electricity: GPUs at load for `utilisation` of the month and idle otherwise, plus the host (0 if rented)."""
    if h.rented:
        return 0.0
    gpu_w = h.power_w_per_gpu * h.utilisation + h.idle_power_w_per_gpu * (1 - h.utilisation)
    kwh = (h.gpus * gpu_w + h.host_power_w) * HOURS_PER_MONTH / 1000
    return kwh * h.electricity_usd_per_kwh


def self_hosted_usd_per_month(h: SelfHosted) -> float:
    """What one deployment costs a month whatever it serves: (hardware + power) x (1 + ops overhead)."""
    return (hardware_usd_per_month(h) + power_usd_per_month(h)) * (1 + h.ops_overhead)


def capacity_output_tokens_per_month(h: SelfHosted, input_per_output: float) -> float:
    """Output tokens one deployment serves a month at its utilisation.

    Input tokens take GPU time too (prefill): one input token costs 1/prefill_speedup of an output token's
    time, so each output token with `input_per_output` input tokens uses 1 + ratio/speedup decode slots.
    """
    slots = 1 + input_per_output / h.prefill_speedup
    return h.output_tokens_per_s * SECONDS_PER_MONTH * h.utilisation / slots


def self_hosted_usd_per_m_output(h: SelfHosted, input_per_output: float) -> float:
    """US$ per million output tokens (with their inputs) when the deployment runs at its utilisation."""
    return self_hosted_usd_per_month(h) / (capacity_output_tokens_per_month(h, input_per_output) / 1e6)


def deployments_needed(h: SelfHosted, output_tokens_per_month: float, input_per_output: float) -> int:
    """Deployments to serve the volume (at least one: a self-hosted lab owns its first one regardless)."""
    capacity = capacity_output_tokens_per_month(h, input_per_output)
    return max(1, math.ceil(output_tokens_per_month / capacity - 1e-9))


def self_hosted_usd_for_volume(h: SelfHosted, output_tokens_per_month: float, input_per_output: float) -> float:
    """Monthly cost of serving the volume self-hosted: a step function of whole deployments."""
    return deployments_needed(h, output_tokens_per_month, input_per_output) * self_hosted_usd_per_month(h)


def cloud_usd_per_month(c: CloudApi, output_tokens_per_month: float, input_per_output: float) -> float:
    """Monthly cloud bill for the volume: linear in tokens."""
    return output_tokens_per_month / 1e6 * cloud_usd_per_m_output(c, input_per_output)


def break_even_output_tokens_per_month(h: SelfHosted, c: CloudApi, input_per_output: float) -> float | None:
    """Monthly output tokens at which one deployment costs the same as the cloud API.

    Below it the cloud is cheaper, above it (up to the deployment's capacity) self-hosting is. None when
    even a fully used deployment costs more per token than the cloud: self-hosting never pays on cost.
    """
    volume = self_hosted_usd_per_month(h) / cloud_usd_per_m_output(c, input_per_output) * 1e6
    return volume if volume <= capacity_output_tokens_per_month(h, input_per_output) else None


@dataclass(frozen=True)
class Comparison:
    """Both ways of paying for one month's volume, side by side."""

    output_tokens_per_month: float
    input_per_output: float
    self_hosted_usd_per_m: float
    cloud_usd_per_m: float
    self_hosted_usd_per_month: float
    cloud_usd_per_month: float
    deployments: int
    capacity_output_tokens_per_month: float
    break_even_output_tokens_per_month: float | None
    horizon_years: float
    self_hosted_tco_usd: float
    cloud_tco_usd: float

    @property
    def cheaper(self) -> str:
        return "self-hosted" if self.self_hosted_usd_per_month < self.cloud_usd_per_month else "cloud"

    @property
    def self_hosted_usd_per_m_at_volume(self) -> float | None:
        """What self-hosting really costs per million output tokens at this volume: the month's bill for
        whole deployments divided by the tokens served (None at zero volume). Unlike `self_hosted_usd_per_m`
        (a deployment used to its capacity), this always ranks the two options as the monthly bills do."""
        if self.output_tokens_per_month <= 0:
            return None
        return self.self_hosted_usd_per_month / (self.output_tokens_per_month / 1e6)


def compare(h: SelfHosted, c: CloudApi, output_tokens_per_month: float, input_per_output: float) -> Comparison:
    """Self-hosted versus cloud at one monthly volume, with total cost over the amortisation period."""
    if output_tokens_per_month < 0 or input_per_output < 0:
        raise ValueError("token volumes cannot be negative")
    self_month = self_hosted_usd_for_volume(h, output_tokens_per_month, input_per_output)
    cloud_month = cloud_usd_per_month(c, output_tokens_per_month, input_per_output)
    months = h.amortisation_years * 12
    return Comparison(
        output_tokens_per_month=output_tokens_per_month,
        input_per_output=input_per_output,
        self_hosted_usd_per_m=self_hosted_usd_per_m_output(h, input_per_output),
        cloud_usd_per_m=cloud_usd_per_m_output(c, input_per_output),
        self_hosted_usd_per_month=self_month,
        cloud_usd_per_month=cloud_month,
        deployments=deployments_needed(h, output_tokens_per_month, input_per_output),
        capacity_output_tokens_per_month=capacity_output_tokens_per_month(h, input_per_output),
        break_even_output_tokens_per_month=break_even_output_tokens_per_month(h, c, input_per_output),
        horizon_years=h.amortisation_years,
        self_hosted_tco_usd=self_month * months,
        cloud_tco_usd=cloud_month * months,
    )


# -- documented defaults -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GpuCost:
    """Default price and power of one GPU product (GPU table name)."""

    name: str
    purchase_usd: float
    rental_usd_per_hour: float
    board_power_w: float
    power_source: str


PRICE_NOTE = (
    "Purchase and rental prices are rough 2025 street / marketplace prices: assumptions to replace with your "
    "own quotes."
)

GPU_COSTS: dict[str, GpuCost] = {
    c.name.lower(): c
    for c in [
        GpuCost("RTX 3090", 800, 0.25, 350, "NVIDIA RTX 3090 spec page (total graphics power 350 W)"),
        GpuCost("RTX 4090", 1800, 0.40, 450, "NVIDIA RTX 4090 spec page (total graphics power 450 W)"),
        GpuCost("RTX 5090", 2000, 0.70, 575, "NVIDIA RTX 5090 spec page (total graphics power 575 W); $1,999 MSRP"),
        GpuCost("RTX PRO 6000 Blackwell", 8500, 1.50, 600, "NVIDIA RTX PRO 6000 Blackwell datasheet (600 W)"),
        GpuCost("RTX A6000", 4500, 0.50, 300, "NVIDIA RTX A6000 datasheet (300 W)"),
        GpuCost("L4", 2500, 0.50, 72, "NVIDIA L4 datasheet (72 W)"),
        GpuCost("L40S", 8000, 1.00, 350, "NVIDIA L40S datasheet (350 W)"),
        GpuCost("A100 40GB", 9000, 1.20, 400, "NVIDIA A100 datasheet (SXM 400 W)"),
        GpuCost("A100 80GB", 15000, 1.60, 400, "NVIDIA A100 datasheet (SXM 400 W)"),
        GpuCost("H100 SXM", 27000, 2.50, 700, "NVIDIA H100 datasheet (SXM5 up to 700 W)"),
        GpuCost("H100 PCIe", 25000, 2.20, 350, "NVIDIA H100 datasheet (PCIe 350 W)"),
        GpuCost("H200", 32000, 3.50, 700, "NVIDIA H200 datasheet (SXM up to 700 W)"),
    ]
}


def gpu_cost(name: str) -> GpuCost:
    """Default cost figures for a GPU table name (aliases as in serve.hardware.lookup_gpu)."""
    spec = lookup_gpu(name)
    key = spec.name.lower() if spec else name.strip().lower()
    if key not in GPU_COSTS:
        raise KeyError(f"no cost defaults for GPU {name!r}; known: {', '.join(c.name for c in GPU_COSTS.values())}")
    return GPU_COSTS[key]


@dataclass(frozen=True)
class Assumption:
    """One default number, its unit, and where it comes from (or that it is an assumption to edit)."""

    name: str
    value: float
    unit: str
    source: str


ASSUMPTIONS: dict[str, Assumption] = {
    a.name: a
    for a in [
        Assumption(
            "electricity",
            0.15,
            "US$/kWh",
            "Assumption, near the 2024 US average commercial tariff (EIA); use your own tariff.",
        ),
        Assumption(
            "utilisation",
            0.5,
            "fraction of the month",
            "Assumption: lab traffic is bursty; a deployment busy half the time at full batch is a fair start.",
        ),
        Assumption(
            "amortisation",
            3,
            "years",
            "Assumption: a common depreciation period for servers and GPUs (also the TCO horizon).",
        ),
        Assumption(
            "ops_overhead",
            0.20,
            "fraction",
            "Assumption: admin time, maintenance, cooling and rack space on top of hardware and power.",
        ),
        Assumption("other_hardware", 3000, "US$", "Assumption: the host's share (CPU, RAM, disks, chassis, PSU)."),
        Assumption("host_power", 150, "W", "Assumption: CPU, RAM, disks and fans of the host under load."),
        Assumption(
            "idle_power_fraction",
            0.15,
            "of board power",
            "Assumption: an idle GPU with a model loaded draws roughly 10-20 % of its board power.",
        ),
        Assumption(
            "input_per_output",
            3,
            "input tokens per output token",
            "Assumption: chat with retrieved passages sends several times more tokens than it gets back.",
        ),
        Assumption(
            "prefill_speedup",
            10,
            "x decode speed",
            "Assumption: prefill is compute-bound and batched, roughly 10x more tokens/s than batched decode.",
        ),
        Assumption(
            "efficiency",
            DEFAULT_EFFICIENCY[0],
            "of peak bandwidth",
            "serve.sizing's low end of achieved decode bandwidth (0.5-0.8); the planner uses the low end.",
        ),
    ]
}
