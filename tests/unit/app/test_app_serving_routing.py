"""The Models page's routing table: which policy each model or role uses, and whether its outside providers
may be used (they are listed as off unless the catalog allows them for that name)."""

from __future__ import annotations

from pathlib import Path

from app.ui.serving import routing_rows
from serve.catalog import load_catalog

EXAMPLES = Path(__file__).resolve().parents[3] / "serve" / "examples"


def test_each_model_and_role_with_routing_gets_a_row_and_outside_providers_say_if_allowed():
    rows = routing_rows(load_catalog(EXAMPLES / "catalog-routing.yaml"))
    table = {r["model or role"]: (r["policy"], r["sticky"], r["other backends"], r["outside providers"]) for r in rows}
    assert table == {
        "qwen2.5-7b-instruct": ("load", "yes", "lab-host-b", "—"),  # the provider serves only chem-lora
        "chem-lora": ("load", "yes", "lab-host-b", "cloud-fallback (off)"),  # the model's routing does not opt in
        "bge-m3": ("latency", "no", "—", "—"),
        "chemistry": ("cost", "no", "lab-host-b", "cloud-fallback (allowed)"),  # the role opts in
    }


def test_a_catalog_without_routing_has_no_rows():
    assert routing_rows(load_catalog(EXAMPLES / "catalog.yaml")) == []
