"""The launcher builds the real vLLM and llama-server command lines as argument lists."""

from pathlib import Path

import pytest

from serve.catalog import load_catalog, parse_catalog
from serve.errors import LaunchError
from serve.launcher import LaunchSpec, build_specs, check_binary, llama_server_argv, vllm_argv
from serve.placement import load_cluster, place
from serve.systemd import systemd_unit

EXAMPLES = Path(__file__).resolve().parents[3] / "serve" / "examples"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(EXAMPLES / "catalog.yaml")


def test_vllm_command_carries_tp_context_quantization_and_port(catalog):
    argv = vllm_argv(catalog.get("llama-3.3-70b-awq"), port=8002, tp=2)
    assert argv[:3] == ["vllm", "serve", "casperhansen/llama-3.3-70b-instruct-awq"]
    pairs = dict(zip(argv[3::2], argv[4::2], strict=False))
    assert (pairs["--tensor-parallel-size"], pairs["--quantization"], pairs["--port"]) == ("2", "awq", "8002")


def test_vllm_command_enables_lora_with_each_adapter(catalog):
    argv = vllm_argv(catalog.get("qwen2.5-7b-instruct"), port=8001)
    i = argv.index("--lora-modules")
    assert "--enable-lora" in argv and argv[i + 1 : i + 3] == [
        "chem-lora=/models/lora/chemassist-chem-v1",
        "materials-lora=/models/lora/chemassist-materials-v1",
    ]


def test_vllm_command_turns_on_prefix_caching_and_memory_utilization(catalog):
    argv = vllm_argv(catalog.get("qwen2.5-7b-instruct"), port=8001)
    assert "--enable-prefix-caching" in argv and argv[argv.index("--gpu-memory-utilization") + 1] == "0.9"


def test_llama_server_gives_each_slot_the_full_context(catalog):
    argv = llama_server_argv(catalog.get("llama-3.1-8b-q4"), port=8003, parallel=4)
    assert argv[argv.index("-c") + 1] == str(8192 * 4) and argv[argv.index("--parallel") + 1] == "4"
    assert argv[argv.index("-ngl") + 1] == "999"


def test_specs_pin_each_instance_to_its_gpus(catalog):
    plan = place(catalog, load_cluster(EXAMPLES / "cluster.yaml"))
    specs = {s.name: s for s in build_specs(catalog, plan)}
    assert specs["llama-3.3-70b-awq"].env == {"CUDA_VISIBLE_DEVICES": "0"}
    assert specs["llama-3.3-70b-awq"].port == 8002


def test_a_command_model_fills_in_its_port():
    cat = parse_catalog(
        {
            "models": [
                {
                    "name": "fake",
                    "source": "-",
                    "role": "general",
                    "params_b": 0.1,
                    "layers": 1,
                    "kv_heads": 1,
                    "head_dim": 8,
                    "engine": "command",
                    "command": ["python", "fake.py", "--port", "{port}"],
                    "port": 9100,
                }
            ]
        }
    )
    (spec,) = build_specs(cat, place(cat, load_cluster(EXAMPLES / "cluster.yaml")))
    assert spec.argv == ["python", "fake.py", "--port", "9100"]


def test_a_missing_engine_binary_is_a_clear_error():
    with pytest.raises(LaunchError, match="'vllm' is not installed on this machine: install vLLM"):
        check_binary(["vllm", "serve", "x"])


def test_systemd_unit_keeps_gpu_pinning_and_restart_policy():
    spec = LaunchSpec(name="m", argv=["vllm", "serve", "org/m"], env={"CUDA_VISIBLE_DEVICES": "0,1"}, port=8001)
    unit = systemd_unit(spec)
    assert 'Environment="CUDA_VISIBLE_DEVICES=0,1"' in unit and "Restart=on-failure" in unit
    assert "ExecStart=vllm serve org/m" in unit
