"""The template classifier: summed template probabilities, a tiny training run, and the shipped model."""

from pathlib import Path

import numpy as np
import pytest

from tools.synthesis import TemplateLibrary, load_model
from tools.synthesis.classifier import (
    SHIPPED_MODEL,
    ClassifierConfig,
    ClassifierModel,
    TemplateNet,
    classifier_path,
    train_classifier,
)

TINY = ClassifierConfig(bits=1024, hidden=32, epochs=8, min_count=1, max_lr=1e-2)


@pytest.fixture(scope="module")
def library() -> TemplateLibrary:
    return TemplateLibrary.load()


def _subset(library: TemplateLibrary, template_ids: list[int]) -> TemplateLibrary:
    """The library restricted to a few templates and their training reactions (a training run of seconds)."""
    templates = library.templates[library.templates.template_id.isin(template_ids)]
    reactions = library.reactions[library.reactions.template_id.isin(template_ids)]
    return TemplateLibrary(templates, reactions)


def test_outcomes_of_several_templates_add_up(library: TemplateLibrary) -> None:
    # Templates 28 and 131 both make acetanilide from acetyl chloride, 14 from acetic acid.
    model = ClassifierModel(library, TemplateNet(3, TINY), np.array([28, 131, 14]), TINY)
    model.template_probabilities = lambda product: np.array([0.3, 0.3, 0.4])  # type: ignore[method-assign]
    top = model.propose("CC(=O)Nc1ccccc1", top_k=2)
    assert [(s.reactants_smiles, round(s.score, 2)) for s in top] == [
        ("CC(=O)Cl.Nc1ccccc1", 0.6),
        ("CC(=O)O.Nc1ccccc1", 0.4),
    ]


def test_a_tiny_training_run_learns_its_templates(library: TemplateLibrary, tmp_path: Path) -> None:
    small = _subset(library, [0, 1, 2])
    path = train_classifier(small, tmp_path, TINY)
    model = ClassifierModel.load(small, tmp_path)
    products = small.reactions["product"].head(30)
    predicted = [small.reaction_template_ids[i] == model.classes[model.template_probabilities(p).argmax()]
                 for i, p in enumerate(products)]  # fmt: skip
    assert path.exists() and np.mean(predicted) > 0.8


shipped = pytest.mark.skipif(not SHIPPED_MODEL.exists(), reason="no classifier shipped in tools/synthesis/data")


@shipped
def test_an_empty_cache_dir_falls_back_to_the_shipped_classifier(tmp_path: Path) -> None:
    assert classifier_path(tmp_path) == SHIPPED_MODEL


@shipped
def test_a_cache_from_an_older_version_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "template_classifier.pt").write_bytes(b"old")
    (tmp_path / "template_classifier.json").write_text('{"hidden": 256, "epochs": 6}')
    assert classifier_path(tmp_path) == SHIPPED_MODEL


@shipped
def test_the_auto_model_is_the_shipped_classifier_and_knows_amide_couplings(
    library: TemplateLibrary, tmp_path: Path
) -> None:
    model = load_model(library, "auto", tmp_path)
    top3 = {s.reactants_smiles for s in model.propose("CC(=O)Nc1ccccc1", top_k=3)}
    assert model.name == "classifier" and {"CC(=O)Cl.Nc1ccccc1", "CC(=O)OC(C)=O.Nc1ccccc1"} <= top3
