"""Placement picks pinned single-GPU instances or tensor-parallel groups and explains why."""

from pathlib import Path

import pytest

from serve.catalog import parse_catalog
from serve.errors import ClusterError
from serve.placement import load_cluster, parse_cluster, place

EXAMPLES = Path(__file__).resolve().parents[3] / "serve" / "examples"
L70 = {"source": "x", "params_b": 70, "layers": 80, "kv_heads": 8, "attention_heads": 64, "head_dim": 128}
L8 = {"source": "x", "params_b": 8, "layers": 32, "kv_heads": 8, "attention_heads": 32, "head_dim": 128}


def two_hosts():
    return parse_cluster(
        {
            "hosts": [
                {
                    "name": "a",
                    "gpus": [{"index": i, "model": "RTX 3090"} for i in range(4)],
                    "nvlink": [[2, 3]],
                },
                {"name": "b", "gpus": [{"index": 0, "model": "RTX 3090"}]},
            ]
        }
    )


def test_a_4_bit_70b_goes_tensor_parallel_on_the_nvlink_pair():
    cat = parse_catalog(
        {"models": [{**L70, "name": "big", "role": "general", "quantization": "awq", "context_length": 2048}]}
    )
    plan = place(cat, two_hosts())
    (p,) = plan.placements
    assert (p.host, p.gpu_indices, p.tp, p.nvlink) == ("a", [2, 3], 2, True)


def test_a_model_that_fits_one_gpu_runs_as_pinned_replicas():
    cat = parse_catalog({"models": [{**L8, "name": "small", "role": "general", "quantization": "awq", "replicas": 3}]})
    plan = place(cat, two_hosts())
    assert [p.tp for p in plan.placements] == [1, 1, 1]
    assert "CUDA_VISIBLE_DEVICES=" in plan.placements[0].explanation


def test_tensor_parallel_never_spans_hosts():
    cluster = parse_cluster({"hosts": [{"name": h, "gpus": [{"index": 0, "model": "RTX 3090"}]} for h in ("a", "b")]})
    cat = parse_catalog({"models": [{**L70, "name": "big", "role": "general", "quantization": "awq"}]})
    plan = place(cat, cluster)
    assert plan.placements == [] and "does not fit" in plan.unplaced["big"]


def test_the_example_plan_explains_every_model():
    cat = parse_catalog(__import__("yaml").safe_load((EXAMPLES / "catalog.yaml").read_text()))
    plan = place(cat, load_cluster(EXAMPLES / "cluster.yaml"))
    assert {p.model for p in plan.placements} == {m.name for m in cat.models}
    assert len(plan.explain()) >= len(cat.models)


def test_an_unknown_gpu_needs_its_numbers():
    with pytest.raises(ClusterError, match=r"hosts\.0\.gpus\.0: .*give vram_gib and bandwidth_gbs"):
        parse_cluster({"hosts": [{"name": "a", "gpus": [{"index": 0, "model": "Voodoo 5"}]}]})


def test_nvlink_pairs_must_name_listed_gpus():
    with pytest.raises(ClusterError, match=r"nvlink pair \(0, 5\)"):
        parse_cluster({"hosts": [{"name": "a", "gpus": [{"index": 0, "model": "L40S"}], "nvlink": [[0, 5]]}]})
