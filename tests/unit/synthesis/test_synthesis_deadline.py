"""Single-step expansion under a deadline: templates stop being applied once it passes (no timing asserted)."""

import time
from pathlib import Path

import pytest

from tools.synthesis import TemplateLibrary, load_model
from tools.synthesis.classifier import SHIPPED_MODEL

ACETYL_CHLORIDE_AMIDE = 28  # template: aryl acetamide <= acyl chloride + aniline
BIS_AMIDE = "CC(=O)Nc1ccc(NC(=O)CC)cc1"  # two amides: the template gives two precursor sets


@pytest.fixture(scope="module")
def library() -> TemplateLibrary:
    return TemplateLibrary.load()


def test_a_template_applied_before_its_deadline_gives_every_precursor_set(library: TemplateLibrary) -> None:
    far = time.monotonic() + 3600
    assert library.apply(ACETYL_CHLORIDE_AMIDE, BIS_AMIDE, deadline=far) == library.apply(
        ACETYL_CHLORIDE_AMIDE, BIS_AMIDE
    )


def test_a_template_is_not_applied_after_the_deadline(library: TemplateLibrary) -> None:
    assert library.apply(ACETYL_CHLORIDE_AMIDE, BIS_AMIDE, deadline=time.monotonic()) == []


@pytest.mark.skipif(not SHIPPED_MODEL.exists(), reason="no classifier shipped in tools/synthesis/data")
def test_the_classifier_proposes_nothing_once_its_deadline_has_passed(library: TemplateLibrary, tmp_path: Path) -> None:
    model = load_model(library, "classifier", tmp_path)
    assert model.propose("CC(=O)Nc1ccccc1", top_k=5)  # the same call without a deadline has suggestions
    assert model.propose("CC(=O)Nc1ccccc1", top_k=5, deadline=time.monotonic()) == []
