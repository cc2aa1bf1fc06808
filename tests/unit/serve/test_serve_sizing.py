"""Sizing reproduces the seed documents' arithmetic: weights by quantization, KV cache, fit and speed."""

import pytest

from serve.catalog import ModelEntry
from serve.errors import DoesNotFit
from serve.hardware import GB, lookup_gpu
from serve.sizing import (
    best_fit,
    engine_bytes,
    kv_bytes_per_token,
    kv_bytes_per_token_per_gpu,
    memory_need,
    size_on_gpus,
    usable_bytes,
    valid_tp_degrees,
    weight_bytes,
    with_overhead,
)

LLAMA_70B = dict(name="llama-70b", source="x", role="general", params_b=70, layers=80, kv_heads=8, head_dim=128)
LLAMA_8B = dict(name="llama-8b", source="x", role="general", params_b=8, layers=32, kv_heads=8, head_dim=128)


def test_a_70b_model_weighs_140_gb_at_fp16():
    assert weight_bytes(70, "fp16") / GB == pytest.approx(140)


def test_a_70b_model_weighs_70_gb_at_int8():
    assert weight_bytes(70, "int8") / GB == pytest.approx(70)


@pytest.mark.parametrize("quant", ["awq", "gptq", "Q4_K_M"])
def test_a_70b_model_weighs_35_to_43_gb_at_4_bit(quant):
    assert 35 <= weight_bytes(70, quant) / GB <= 43


def test_gguf_q8_0_takes_about_1_06_bytes_per_weight():
    assert weight_bytes(1, "Q8_0") / 1e9 == pytest.approx(1.0625)


def test_llama_3_8b_kv_cache_is_128_kib_per_token():
    assert kv_bytes_per_token(layers=32, kv_heads=8, head_dim=128, kv_dtype="fp16") == 128 * 1024


def test_fp8_kv_cache_halves_it():
    assert kv_bytes_per_token(32, 8, 128, "fp8") == 64 * 1024


def test_two_24_gb_cards_hold_a_4_bit_70b_with_little_kv_room():
    model = ModelEntry(**LLAMA_70B, quantization="awq", context_length=2048)
    rtx3090 = lookup_gpu("RTX 3090")
    report = size_on_gpus(model, [rtx3090, rtx3090], tp=2)
    assert report.fits and report.max_tokens_in_cache < 16_000


def test_one_24_gb_card_does_not_hold_a_4_bit_70b():
    model = ModelEntry(**LLAMA_70B, quantization="awq")
    report = size_on_gpus(model, [lookup_gpu("RTX 3090")], tp=1)
    assert not report.fits and "weights need" in report.reason


def test_fp16_70b_needs_four_h100s_because_two_leave_no_room_for_overhead():
    model = ModelEntry(**LLAMA_70B, quantization="fp16", attention_heads=64, context_length=8192)
    h100 = lookup_gpu("H100 SXM")
    assert best_fit(model, [h100] * 4).tp == 4


def test_an_8b_model_fits_one_3090_with_several_sequences():
    model = ModelEntry(**LLAMA_8B, quantization="bf16", context_length=4096)
    report = best_fit(model, [lookup_gpu("RTX 3090")])
    assert report.tp == 1 and report.max_concurrent_sequences >= 4


def test_decode_speed_is_bandwidth_over_bytes_read():
    model = ModelEntry(**LLAMA_8B, quantization="bf16", context_length=1024)
    lo, hi = size_on_gpus(model, [lookup_gpu("H100 SXM")]).decode_tokens_per_s
    # 16 GB of weights at 3.35 TB/s: at most ~209 tokens/s; efficiency 0.5..0.8 of that.
    assert 95 < lo < hi < 170


def test_a_model_that_fits_nowhere_says_what_would():
    model = ModelEntry(**LLAMA_70B, quantization="fp16")
    with pytest.raises(DoesNotFit, match=r"AWQ quantization fits at TP=2|would hold it"):
        best_fit(model, [lookup_gpu("RTX 3090")] * 2)


def test_tp_degrees_are_powers_of_two_dividing_the_heads():
    model = ModelEntry(**{**LLAMA_8B, "kv_heads": 4, "attention_heads": 28})
    assert valid_tp_degrees(model, 8) == [1, 2, 4]


def test_tp_beyond_the_kv_heads_replicates_them():
    model = ModelEntry(**{**LLAMA_8B, "kv_heads": 2, "attention_heads": 16})
    # 4 ranks, 2 KV heads: each rank keeps one whole head rather than half of one
    assert kv_bytes_per_token_per_gpu(model, tp=4) == 2 * 32 * 1 * 128 * 2


def test_gpu_table_knows_the_seed_cards():
    assert (lookup_gpu("RTX 5090").vram_gib, lookup_gpu("h200").bandwidth_gbs) == (32, 4800)


@pytest.mark.parametrize(
    "params_b,quant,gpu,count,context",
    [(70, "awq", "RTX 3090", 2, 2048), (70, "awq", "RTX 3090", 2, 8192), (8, "fp16", "H100 SXM", 1, 8192)],
)
def test_the_memory_breakdown_and_the_fit_follow_one_rule(params_b, quant, gpu, count, context):
    """The calculator's "total needed" is within "engine may use" exactly when size_on_gpus says it fits one
    sequence (weights and KV split evenly: whole-model totals against the whole group)."""
    model = ModelEntry.model_validate(LLAMA_70B | {"params_b": params_b, "quantization": quant})
    cards = [lookup_gpu(gpu)] * count
    report = size_on_gpus(model, cards, tp=count, context=context)
    need = memory_need(model, cards, tp=count, context=context, concurrent=1)
    assert (need.total_gb <= need.available_gb) == report.fits


def test_the_overhead_is_a_fifth_of_what_is_loaded_and_usable_memory_is_its_inverse():
    model = ModelEntry.model_validate(LLAMA_8B | {"quantization": "fp16"})
    card = lookup_gpu("RTX 3090")
    need = memory_need(model, [card], tp=1, context=4096, concurrent=3)
    assert need.overhead_gb == pytest.approx(0.2 * need.loaded_gb)
    assert with_overhead(usable_bytes(card.vram_bytes, 0.9)) == pytest.approx(engine_bytes(card.vram_bytes, 0.9))
