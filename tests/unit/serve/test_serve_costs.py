"""Self-hosted versus cloud cost arithmetic: per-token cost, monthly cost, break-even volume, capacity."""

import dataclasses

import pytest

from serve.catalog import ModelEntry
from serve.cloud_prices import CloudApi
from serve.costs import (
    HOURS_PER_MONTH,
    SelfHosted,
    batch_decode_tokens_per_s,
    break_even_output_tokens_per_month,
    capacity_output_tokens_per_month,
    cloud_usd_per_month,
    compare,
    gpu_cost,
    hardware_usd_per_month,
    power_usd_per_month,
    self_hosted_usd_for_volume,
    self_hosted_usd_per_m_output,
    self_hosted_usd_per_month,
)
from serve.hardware import lookup_gpu
from serve.sizing import size_on_gpus

LLAMA_70B_AWQ = ModelEntry(
    name="llama-70b", source="x", role="general", params_b=70, layers=80, kv_heads=8, attention_heads=64,
    head_dim=128, quantization="awq", context_length=2048,
)  # fmt: skip
BOUGHT = SelfHosted(
    gpus=2,
    output_tokens_per_s=100,
    purchase_usd_per_gpu=1800,
    other_hardware_usd=0,
    power_w_per_gpu=0,
    utilisation=0.5,
    amortisation_years=3,
    ops_overhead=0,
)
GPT = CloudApi(input_usd_per_m=2.5, output_usd_per_m=10)


def test_purchase_is_amortised_evenly_over_the_months():
    assert hardware_usd_per_month(BOUGHT) == pytest.approx(2 * 1800 / 36)


def test_rental_is_billed_every_hour_of_the_month_and_includes_power():
    rented = dataclasses.replace(BOUGHT, rental_usd_per_gpu_hour=0.5, power_w_per_gpu=350, electricity_usd_per_kwh=1)
    assert hardware_usd_per_month(rented) == pytest.approx(2 * 0.5 * HOURS_PER_MONTH)
    assert power_usd_per_month(rented) == 0


def test_power_counts_load_for_the_busy_fraction_and_idle_for_the_rest():
    powered = dataclasses.replace(
        BOUGHT, power_w_per_gpu=400, idle_power_w_per_gpu=100, electricity_usd_per_kwh=0.2, utilisation=0.25
    )
    watts = 2 * (400 * 0.25 + 100 * 0.75)
    assert power_usd_per_month(powered) == pytest.approx(watts * HOURS_PER_MONTH / 1000 * 0.2)


def test_ops_overhead_is_added_on_top_of_hardware_and_power():
    assert self_hosted_usd_per_month(dataclasses.replace(BOUGHT, ops_overhead=0.2)) == pytest.approx(100 * 1.2)


def test_doubling_utilisation_halves_the_cost_per_token():
    busier = dataclasses.replace(BOUGHT, utilisation=1.0)
    assert self_hosted_usd_per_m_output(busier, 3) == pytest.approx(self_hosted_usd_per_m_output(BOUGHT, 3) / 2)


def test_input_tokens_take_a_share_of_gpu_time_through_prefill():
    no_inputs = capacity_output_tokens_per_month(BOUGHT, 0)
    assert capacity_output_tokens_per_month(BOUGHT, 10) == pytest.approx(no_inputs / 2)  # 1 + 10/10 slots


def test_at_break_even_both_ways_cost_the_same():
    volume = break_even_output_tokens_per_month(BOUGHT, GPT, 3)
    assert volume is not None
    assert cloud_usd_per_month(GPT, volume, 3) == pytest.approx(self_hosted_usd_for_volume(BOUGHT, volume, 3))


def test_break_even_is_fixed_cost_over_cloud_price_per_token():
    # $100 a month / ($10 + 3 x $2.5 per million output tokens) = 5.714 million output tokens a month
    assert break_even_output_tokens_per_month(BOUGHT, GPT, 3) == pytest.approx(100 / 17.5 * 1e6)


def test_no_break_even_when_a_full_deployment_costs_more_per_token_than_the_cloud():
    cheap_api = CloudApi(input_usd_per_m=0.01, output_usd_per_m=0.01)
    assert break_even_output_tokens_per_month(BOUGHT, cheap_api, 3) is None


def test_more_volume_than_one_deployment_serves_buys_a_second_one():
    capacity = capacity_output_tokens_per_month(BOUGHT, 3)
    assert self_hosted_usd_for_volume(BOUGHT, capacity * 1.5, 3) == pytest.approx(2 * self_hosted_usd_per_month(BOUGHT))


def test_compare_says_self_hosting_is_cheaper_well_above_break_even():
    result = compare(BOUGHT, GPT, output_tokens_per_month=50e6, input_per_output=3)
    assert result.cheaper == "self-hosted" and result.cloud_tco_usd == pytest.approx(result.cloud_usd_per_month * 36)


def test_absurd_inputs_are_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="utilisation"):
        dataclasses.replace(BOUGHT, utilisation=0)


def test_batch_of_one_reproduces_the_single_stream_sizing_estimate():
    rtx3090 = lookup_gpu("RTX 3090")
    fit = size_on_gpus(LLAMA_70B_AWQ, [rtx3090, rtx3090], tp=2, context=2048)
    speed = batch_decode_tokens_per_s(LLAMA_70B_AWQ, [rtx3090, rtx3090], tp=2, context=2048, batch=1)
    assert speed == pytest.approx(fit.decode_tokens_per_s[0], rel=0.01)


def test_batching_multiplies_throughput_because_weights_are_read_once_per_step():
    h100 = lookup_gpu("H100 SXM")
    one = batch_decode_tokens_per_s(LLAMA_70B_AWQ, [h100], tp=1, context=4096, batch=1)
    sixteen = batch_decode_tokens_per_s(LLAMA_70B_AWQ, [h100], tp=1, context=4096, batch=16)
    assert 8 * one < sixteen < 16 * one


def test_gpu_cost_defaults_follow_the_gpu_table_aliases():
    assert gpu_cost("3090").board_power_w == 350
