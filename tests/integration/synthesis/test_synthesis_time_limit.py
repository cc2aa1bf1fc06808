"""The search's time limit is a deadline inside a single expansion too: a large target whose one expansion takes
many times the limit (a 41-unit tert-butyl acrylate oligomer: every ester matches the same templates) comes back
flagged as stopped at the time limit, with what it had found. Wall time is measured by benchmarks, never here."""

import time

import pytest

from tools.synthesis import Planner, SearchLimits, SimilarityModel, Stock, TemplateLibrary, load_model
from tools.synthesis.classifier import SHIPPED_MODEL

pytestmark = pytest.mark.slow  # loads the library; the search runs for its 2 s limit

# One full expansion of this target applies 100 templates, each finding 41 sites: 13 s on two CPU cores.
TBU_ACRYLATE_41MER = "CC(C)(C)OC(=O)" + "CC(C(=O)OC(C)(C)C)" * 40 + "C"


@pytest.fixture(scope="module")
def library() -> TemplateLibrary:
    return TemplateLibrary.load()


@pytest.mark.skipif(not SHIPPED_MODEL.exists(), reason="no classifier shipped in tools/synthesis/data")
def test_a_two_second_limit_stops_inside_the_first_long_expansion(library: TemplateLibrary) -> None:
    planner = Planner(library, load_model(library, "classifier"), Stock.default())
    result = planner.search(TBU_ACRYLATE_41MER, SearchLimits(time_limit_s=2))
    assert (result.time_limited, result.stopped_mid_expansion, result.expansions) == (True, True, 1)
    assert "time limit (2 s) was reached while applying templates to the target" in result.message


def test_the_similarity_model_applies_no_template_after_its_deadline(library: TemplateLibrary) -> None:
    model = SimilarityModel(library)
    assert model.propose("CC(=O)Nc1ccccc1", top_k=5)  # the same call without a deadline has suggestions
    assert model.propose("CC(=O)Nc1ccccc1", top_k=5, deadline=time.monotonic()) == []
