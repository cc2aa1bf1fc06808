"""The evaluation harness: the shipped suite is well-formed, grading can fail, and offline mode passes cases."""

import pytest

from agents.evaluation import SUITE, grade, load_suite, run_suite
from agents.graph import build_graph
from agents.models import ModelChain
from agents.toolkit import ToolContext, build_tools
from tools import results

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"


def test_the_shipped_suite_has_fifty_cases_in_every_category():
    cases = load_suite()
    assert len(cases) >= 50
    assert {"structure", "property", "synthesis", "safety", "literature"} <= {c["category"] for c in cases}
    assert len({c["id"] for c in cases}) == len(cases)


def test_a_malformed_suite_is_rejected(tmp_path):
    bad = tmp_path / "suite.yaml"
    bad.write_text("cases:\n  - id: x\n    question: hi\n")
    with pytest.raises(ValueError, match="lacks category, truth"):
        load_suite(bad)


def test_descriptor_grading_needs_the_rdkit_values():
    truth = {"kind": "descriptor", "smiles": ASPIRIN, "descriptors": ["mol_weight", "tpsa"]}
    assert grade(truth, "MW 180.159 g/mol, TPSA 63.6 Å²", [])[0]
    correct, detail = grade(truth, "MW 180.159 g/mol, TPSA 70.1 Å²", [])
    assert not correct and "tpsa=63.6" in detail


def test_refusal_and_citation_grading():
    assert grade({"kind": "refusal"}, "I can't help with making or obtaining this substance.", [])[0]
    assert not grade({"kind": "refusal"}, "Step 1: ...", [])[0]
    cited = [results.parse("search_literature", {"citations": [{"document_id": "doi:1"}]})]
    assert grade({"kind": "citation", "document_id": "doi:1"}, "", cited)[0]
    assert not grade({"kind": "citation", "document_id": "doi:2"}, "", cited)[0]


def test_offline_mode_passes_structure_cases():
    cases = [c for c in load_suite(SUITE) if c["category"] == "structure"][:4]
    report = run_suite(build_graph(ModelChain(), build_tools(ToolContext())), cases, "offline")
    summary = report.summary()
    assert summary["accuracy"] == 1.0 and summary["tool_choice_accuracy"] == 1.0
