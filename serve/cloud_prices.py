"""Hosted models' list prices (US$ per million input and output tokens) and what a million output tokens costs
with its input. Kept apart from the cost arithmetic (serve.costs) so that the catalog can price an outside
provider by preset without importing sizing and costs, which import the catalog."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CloudApi:
    """A hosted model's list prices, US$ per million input and output tokens."""

    input_usd_per_m: float
    output_usd_per_m: float

    def __post_init__(self) -> None:
        if self.input_usd_per_m < 0 or self.output_usd_per_m < 0:
            raise ValueError("prices cannot be negative")
        if self.input_usd_per_m == 0 and self.output_usd_per_m == 0:
            raise ValueError("a cloud API with zero prices cannot be compared")


def cloud_usd_per_m_output(c: CloudApi, input_per_output: float) -> float:
    """Cloud US$ per million output tokens including the input tokens that come with them."""
    return c.output_usd_per_m + input_per_output * c.input_usd_per_m


CLOUD_PRESETS: dict[str, CloudApi] = {
    # Published per-million-token list prices as of mid 2025 (provider pricing pages): assumptions, check them.
    "OpenAI GPT-4o": CloudApi(2.50, 10.00),
    "OpenAI GPT-4o mini": CloudApi(0.15, 0.60),
    "Anthropic Claude Sonnet 4": CloudApi(3.00, 15.00),
    "Anthropic Claude 3.5 Haiku": CloudApi(0.80, 4.00),
    "Hosted Llama 3.3 70B (typical)": CloudApi(0.88, 0.88),
}
