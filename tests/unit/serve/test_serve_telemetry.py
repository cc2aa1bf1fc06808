"""Token throughput from the engines' own /metrics (a real llama-server page, vLLM's names), and GPU readings."""

from pathlib import Path

from serve.telemetry import BackendCounters, backend_load, parse_backend_metrics, read_gpus

LLAMA_SERVER = (Path(__file__).parent / "data" / "llama_server_metrics.txt").read_text()
VLLM = """# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="chem-lora"} 3.0
vllm:num_requests_running{engine="0",model_name="base"} 1.0
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{engine="0",model_name="chem-lora"} 2.0
# TYPE vllm:kv_cache_usage_perc gauge
vllm:kv_cache_usage_perc{engine="0",model_name="chem-lora"} 0.25
# TYPE vllm:prompt_tokens_total counter
vllm:prompt_tokens_total{engine="0",model_name="chem-lora"} 1200.0
vllm:prompt_tokens_total{engine="0",model_name="base"} 300.0
# TYPE vllm:generation_tokens_total counter
vllm:generation_tokens_total{engine="0",model_name="chem-lora"} 5000.0
vllm:generation_tokens_total{engine="0",model_name="base"} 1000.0
"""


def test_a_real_llama_server_metrics_page_gives_its_token_counters_and_queue():
    counters = parse_backend_metrics(LLAMA_SERVER, at=10.0)
    assert counters == BackendCounters("llama.cpp", 10.0, generated=20, prompt=26, running=0, waiting=0, kv_cache=None)


def test_vllm_counters_are_summed_over_the_models_it_serves():
    counters = parse_backend_metrics(VLLM, at=0.0)
    assert counters is not None and counters.engine == "vllm"
    assert (counters.generated, counters.prompt, counters.running, counters.waiting) == (6000, 1500, 4, 2)
    assert counters.kv_cache == 0.25


def test_tokens_per_second_is_the_counters_growth_over_the_time_between_readings():
    before = parse_backend_metrics(VLLM, at=100.0)
    after = parse_backend_metrics(
        VLLM.replace("} 5000.0", "} 5600.0").replace("} 1200.0", "} 1400.0"), at=102.0
    )  # 600 generated and 200 prompt tokens in 2 s
    load = backend_load(after, before)
    assert (load.generated_per_s, load.prompt_per_s) == (300.0, 100.0)
    assert backend_load(after, None).generated_per_s is None  # one reading: no rate yet


def test_a_restarted_backend_counts_from_zero_instead_of_going_negative():
    before = BackendCounters("vllm", 0.0, generated=9000, prompt=100, running=0, waiting=0, kv_cache=0.1)
    after = BackendCounters("vllm", 5.0, generated=500, prompt=50, running=1, waiting=0, kv_cache=0.1)
    assert backend_load(after, before).generated_per_s == 100.0


def test_a_page_that_is_not_an_engines_metrics_is_not_read_as_one():
    assert parse_backend_metrics('gateway_requests_total{route="x"} 3.0\n', at=0.0) is None
    assert parse_backend_metrics("<html>not found</html>", at=0.0) is None


def test_without_nvml_the_gpu_readings_say_what_is_missing():
    readings, why = read_gpus()  # this machine has neither nvidia-ml-py nor an NVIDIA driver
    assert readings == [] and why is not None and ("nvidia-ml-py" in why or "driver" in why)
