"""The Compute planner's service: self-hosted versus cloud cost for a model on a GPU set, with documented defaults.

The arithmetic is serve.costs (pure, unit-tested); throughput comes from serve.sizing through
`serving.size_model`, so the self-hosted $/token follows from what the chosen GPUs can decode.
Bad numbers become ValidationFailed with a sentence saying which one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.errors import ValidationFailed
from serve.cloud_prices import CLOUD_PRESETS, CloudApi
from serve.costs import (
    ASSUMPTIONS,
    GPU_COSTS,
    PRICE_NOTE,
    Comparison,
    GpuCost,
    SelfHosted,
    compare,
    gpu_cost,
    self_hosted_usd_for_volume,
)
from serve.costs import cloud_usd_per_month as _cloud_usd_per_month

__all__ = [
    "ASSUMPTIONS",
    "CLOUD_PRESETS",
    "PRICE_NOTE",
    "CloudApi",
    "Comparison",
    "CostCurve",
    "GpuCost",
    "Verdict",
    "SelfHosted",
    "assumption_rows",
    "cloud",
    "cost_curve",
    "defaults_for",
    "run",
    "self_hosted",
    "verdict",
]


def defaults_for(gpu_name: str) -> GpuCost:
    """Purchase price, rental price and board power the planner starts from for this GPU."""
    try:
        return gpu_cost(gpu_name)
    except KeyError as exc:
        raise ValidationFailed(str(exc.args[0])) from None


def self_hosted(**values: float | int | None) -> SelfHosted:
    """A SelfHosted deployment from the planner's inputs; an impossible value says which one."""
    try:
        return SelfHosted(**values)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(f"Check the self-hosted inputs: {exc}") from None


def cloud(input_usd_per_m: float, output_usd_per_m: float) -> CloudApi:
    try:
        return CloudApi(input_usd_per_m, output_usd_per_m)
    except ValueError as exc:
        raise ValidationFailed(f"Check the cloud API prices: {exc}") from None


def run(h: SelfHosted, c: CloudApi, output_tokens_per_month: float, input_per_output: float) -> Comparison:
    try:
        return compare(h, c, output_tokens_per_month, input_per_output)
    except ValueError as exc:
        raise ValidationFailed(f"Check the monthly volume: {exc}") from None


def usd(value: float) -> str:
    """'$448', '$17.50': whole dollars from $100 up, cents below."""
    return f"${value:,.0f}" if value >= 100 else f"${value:,.2f}"


def _millions(tokens: float) -> str:
    value = tokens / 1e6
    return f"{value:,.0f} M" if value >= 100 else f"{value:,.1f} M"


@dataclass(frozen=True)
class Verdict:
    """The planner's headline, its conclusion and the assumptions behind them, written from one Comparison,
    so the page cannot say "self-hosted is cheaper per token" above "the cloud option is cheaper"."""

    cheaper: str  # "self-hosted" or "cloud"
    headline: str
    conclusion: str
    assumptions: str


def verdict(result: Comparison, utilisation: float, deployment: str) -> Verdict:
    """Headline and conclusion at the user's monthly volume; the full-capacity price is stated as such.

    UTILISATION is a fraction; DEPLOYMENT names one deployment ("1 x H200").
    """
    volume = _millions(result.output_tokens_per_month)
    per_m = result.self_hosted_usd_per_m_at_volume
    cloud_name = "the cloud API"
    winner = "self-hosting" if result.cheaper == "self-hosted" else cloud_name
    if per_m is None:
        headline = (
            f"At no volume {cloud_name} costs nothing and a self-hosted deployment still costs "
            f"{usd(result.self_hosted_usd_per_month)} a month: {cloud_name} is cheaper."
        )
    else:
        headline = (
            f"At {volume} output tokens a month: self-hosted {usd(per_m)} vs cloud {usd(result.cloud_usd_per_m)} "
            f"per M output tokens, so {winner} is cheaper."
        )
    deployments = f"{result.deployments} deployment{'s' if result.deployments != 1 else ''} of {deployment}"
    conclusion = (
        f"{winner[0].upper() + winner[1:]} is cheaper at your volume: {usd(result.cloud_usd_per_month)} a month "
        f"for {cloud_name} against {usd(result.self_hosted_usd_per_month)} for {deployments}. "
        f"One deployment serves up to {_millions(result.capacity_output_tokens_per_month)} output tokens a month "
        f"at {utilisation:.0%} utilisation; only when used that fully does self-hosting cost "
        f"{usd(result.self_hosted_usd_per_m)} per M. More volume adds whole deployments (the steps)."
    )
    assumptions = (
        f"Assumes {result.input_per_output:g} input tokens per output token (billed by the cloud, prefill time "
        f"when self-hosted), {utilisation:.0%} utilisation and a {result.horizon_years:g}-year horizon; the month's "
        "self-hosted bill is paid whether the deployment is busy or idle."
    )
    return Verdict(result.cheaper, headline, conclusion, assumptions)


@dataclass
class CostCurve:
    """Monthly cost against monthly output tokens (millions), both ways, for plotting."""

    millions: list[float]
    self_hosted_usd: list[float]
    cloud_usd: list[float]


def cost_curve(h: SelfHosted, c: CloudApi, input_per_output: float, max_output_tokens: float) -> CostCurve:
    """Sample both cost lines from 0 to MAX_OUTPUT_TOKENS, with the self-hosted steps drawn sharp."""
    points = [max_output_tokens * i / 200 for i in range(201)]
    capacity = compare(h, c, 0, input_per_output).capacity_output_tokens_per_month
    steps = math.floor(max_output_tokens / capacity) if capacity > 0 else 0
    for n in range(1, min(steps, 50) + 1):  # just before and at each added deployment
        points += [n * capacity, n * capacity * (1 + 1e-6)]
    points = sorted({v for v in points if v <= max_output_tokens})
    return CostCurve(
        millions=[v / 1e6 for v in points],
        self_hosted_usd=[self_hosted_usd_for_volume(h, v, input_per_output) for v in points],
        cloud_usd=[_cloud_usd_per_month(c, v, input_per_output) for v in points],
    )


def assumption_rows(gpu_name: str) -> list[dict[str, object]]:
    """Every default the planner starts from, with its unit and its source (or 'assumption, edit it')."""
    card = defaults_for(gpu_name)
    rows: list[dict[str, object]] = [
        {
            "default": f"{card.name} purchase price",
            "value": f"{card.purchase_usd:,.0f}",
            "unit": "US$ per GPU",
            "source": PRICE_NOTE,
        },
        {
            "default": f"{card.name} rental",
            "value": f"{card.rental_usd_per_hour:g}",
            "unit": "US$ per GPU-hour",
            "source": PRICE_NOTE,
        },
        {
            "default": f"{card.name} board power",
            "value": f"{card.board_power_w:g}",
            "unit": "W",
            "source": card.power_source,
        },
    ]
    rows += [
        {"default": a.name.replace("_", " "), "value": f"{a.value:g}", "unit": a.unit, "source": a.source}
        for a in ASSUMPTIONS.values()
    ]
    rows += [
        {
            "default": f"{name} price",
            "value": f"{api.input_usd_per_m:g} in / {api.output_usd_per_m:g} out",
            "unit": "US$ per million tokens",
            "source": "Provider list price as of mid 2025: an assumption, check the provider's pricing page.",
        }
        for name, api in CLOUD_PRESETS.items()
    ]
    return rows


GPU_NAMES_WITH_COSTS: list[str] = [c.name for c in GPU_COSTS.values()]
