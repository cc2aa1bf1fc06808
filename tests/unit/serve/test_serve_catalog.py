"""The catalog reads YAML, says exactly what is wrong, and maps roles to served model names."""

from pathlib import Path

import pytest

from serve.catalog import load_catalog, parse_catalog
from serve.errors import CatalogError, UnknownRole

EXAMPLE = Path(__file__).resolve().parents[3] / "serve" / "examples" / "catalog.yaml"
BASE = {"source": "org/m", "params_b": 7, "layers": 28, "kv_heads": 4, "head_dim": 128}


def catalog(*models):
    return parse_catalog({"models": list(models)})


def test_the_example_catalog_loads():
    assert [m.name for m in load_catalog(EXAMPLE).models][:2] == ["qwen2.5-7b-instruct", "llama-3.3-70b-awq"]


def test_chemistry_is_served_by_the_lora_adapter_on_the_shared_base():
    served = load_catalog(EXAMPLE).resolve_role("chemistry")
    assert (served.served_name, served.base_model, served.adapter) == (
        "chem-lora",
        "qwen2.5-7b-instruct",
        "chem-lora",
    )


def test_a_role_nobody_serves_falls_back_to_general():
    cat = catalog({**BASE, "name": "base", "role": "general"})
    assert cat.resolve_role("materials").served_name == "base"


def test_without_fallback_an_unserved_role_is_an_error():
    cat = catalog({**BASE, "name": "base", "role": "general"})
    with pytest.raises(UnknownRole, match="role 'materials'"):
        cat.resolve_role("materials", fallback_to_general=False)


def test_errors_name_the_field_and_the_problem():
    with pytest.raises(CatalogError, match=r"models\.0\.kv_heads: Input should be greater than 0"):
        catalog({**BASE, "name": "m", "role": "general", "kv_heads": 0})


def test_an_unknown_quantization_lists_the_known_ones():
    with pytest.raises(CatalogError, match=r"unknown quantization 'int3'; known: .*q4_k_m"):
        catalog({**BASE, "name": "m", "role": "general", "quantization": "int3"})


def test_gguf_quantization_needs_llama_server():
    with pytest.raises(CatalogError, match="runs on engine 'llama-server'"):
        catalog({**BASE, "name": "m", "role": "general", "quantization": "Q4_K_M"})


def test_duplicate_served_names_are_rejected():
    adapter = {"name": "a", "path": "/l", "role": "chemistry"}
    with pytest.raises(CatalogError, match="served name 'a' appears twice"):
        catalog({**BASE, "name": "a", "role": "general", "adapters": [adapter]})


def test_invalid_yaml_reports_the_line(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text("models:\n  - name: x\n    role: [general\n")
    with pytest.raises(CatalogError, match="not valid YAML at line"):
        load_catalog(path)


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(CatalogError, match="does not exist"):
        load_catalog(tmp_path / "nope.yaml")
