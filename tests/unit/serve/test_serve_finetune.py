"""QLoRA config templates and registering a trained LoRA adapter in the model catalog."""

import shutil
from pathlib import Path

import pytest
import yaml

from serve.catalog import load_catalog
from serve.errors import CatalogError
from serve.finetune import QLoraConfig, axolotl_config, register_adapter, write_axolotl_config

EXAMPLE = Path(__file__).resolve().parents[3] / "serve" / "examples" / "catalog.yaml"


@pytest.fixture
def catalog(tmp_path):
    path = tmp_path / "catalog.yaml"
    shutil.copyfile(EXAMPLE, path)
    return path


def test_axolotl_config_is_a_qlora_chat_template_run(tmp_path):
    cfg = QLoraConfig(base_model="Qwen/Qwen2.5-7B-Instruct", dataset_path="chem.jsonl", output_dir="./out", lora_r=8)
    path = write_axolotl_config(tmp_path / "chem.axolotl.yaml", cfg)
    written = yaml.safe_load(path.read_text())
    assert written == axolotl_config(cfg)
    assert (written["adapter"], written["load_in_4bit"], written["lora_r"]) == ("qlora", True, 8)
    assert (
        written["datasets"][0] | {"path": "chem.jsonl", "type": "chat_template", "field_messages": "messages"}
        == (written["datasets"][0])
    )
    assert path.read_text().startswith("# QLoRA fine-tuning config written by chemassist")


@pytest.mark.parametrize(
    ("change", "message"),
    [({"lora_r": 0}, "lora_r"), ({"learning_rate": 5.0}, "learning_rate"), ({"target_modules": ()}, "target")],
)
def test_absurd_settings_are_refused(change, message):
    with pytest.raises(ValueError, match=message):
        QLoraConfig(base_model="m", dataset_path="d.jsonl", output_dir="o", **change)


def test_register_adapter_adds_it_and_the_role_resolves_to_it(catalog):
    updated = register_adapter(
        catalog, base="qwen2.5-7b-instruct", name="chem-lora-v2", path="/models/lora/chem-v2", role="chemistry"
    )
    reloaded = load_catalog(catalog)
    assert "chem-lora-v2" in reloaded.get("qwen2.5-7b-instruct").served_names
    assert updated.get("chem-lora-v2").name == "qwen2.5-7b-instruct"
    assert catalog.read_text().startswith("# Example chemassist model catalog")
    assert catalog.with_name("catalog.yaml.bak").read_text() == EXAMPLE.read_text()


def test_replacing_an_adapter_needs_replace(catalog):
    with pytest.raises(CatalogError, match="already registered"):
        register_adapter(catalog, base="qwen2.5-7b-instruct", name="chem-lora", path="/new", role="chemistry")
    register_adapter(catalog, base="qwen2.5-7b-instruct", name="chem-lora", path="/new", role="chemistry", replace=True)
    [adapter] = [a for a in load_catalog(catalog).get("qwen2.5-7b-instruct").adapters if a.name == "chem-lora"]
    assert adapter.path == "/new"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"base": "gpt-9", "name": "x", "role": "chemistry"},
            "no base model named 'gpt-9'.*known: qwen2.5-7b-instruct",
        ),
        ({"base": "llama-3.1-8b-q4", "name": "x", "role": "chemistry"}, "vllm"),
        ({"base": "qwen2.5-7b-instruct", "name": "bge-m3", "role": "chemistry"}, "appears twice"),
        ({"base": "qwen2.5-7b-instruct", "name": "x", "role": "embeddings"}, "chat roles"),
    ],
)
def test_bad_registrations_are_refused_and_the_file_is_unchanged(catalog, kwargs, message):
    before = catalog.read_text()
    with pytest.raises(CatalogError, match=message):
        register_adapter(catalog, path="/models/lora/x", **kwargs)
    assert catalog.read_text() == before
