"""Reaction classes for templates USPTO-50k leaves unlabelled, predicted from a reaction difference fingerprint.

USPTO-50k records one of 10 reaction classes for its validation and test reactions only, so 8,644 of the 10,198
training templates (36% of training reactions) carry no class. A logistic regression on the difference fingerprint
(product minus reactants, Morgan counts, radius 2; Schneider et al., J. Chem. Inf. Model. 2015, 55, 39) is trained
on the labelled validation reactions and predicts the class of each unlabelled template from its first training
reaction. Its accuracy is measured on templates it never saw (5-fold cross-validation grouped by template), and only
predictions at or above ``MIN_CONFIDENCE`` are shipped, labelled as predicted. Written by hand because no library
here classifies reactions (rxnfp and the NameRxn classifier need model weights or a licence that are not available).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from rdkit import Chem
from rdkit.Chem import rdFingerprintGenerator

MIN_CONFIDENCE = 0.8
FP_SIZE = 2048
_counts = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=FP_SIZE)


def _fp(smiles: str) -> np.ndarray:
    mol = Chem.MolFromSmiles(smiles)
    return _counts.GetCountFingerprintAsNumPy(mol).astype(np.float32) if mol is not None else np.zeros(FP_SIZE)


def difference_fingerprint(reactants: str, product: str) -> np.ndarray:
    """Product minus reactants ('.'-joined), Morgan counts radius 2, log-scaled with its sign."""
    diff = _fp(product) - sum((_fp(r) for r in reactants.split(".") if r), np.zeros(FP_SIZE, np.float32))
    return np.sign(diff) * np.log1p(np.abs(diff))


@dataclass(frozen=True)
class Evaluation:
    """Held-out accuracy: over all predictions, and over those at or above ``MIN_CONFIDENCE`` with their share."""

    n: int
    accuracy: float
    confident_share: float
    confident_accuracy: float


def _model() -> object:
    from sklearn.linear_model import LogisticRegression  # only the maintainer's rebuild needs scikit-learn

    return LogisticRegression(max_iter=500, C=1.0)


def evaluate(labelled: pd.DataFrame, folds: int = 5) -> Evaluation:
    """Cross-validated accuracy on ``labelled`` (columns reactants, product, reaction_class, template_id), grouped
    by template so that every test template is unseen, as the unlabelled templates are."""
    from sklearn.model_selection import GroupKFold

    x = np.stack([difference_fingerprint(r, p) for r, p in zip(labelled.reactants, labelled["product"], strict=True)])
    y = labelled.reaction_class.to_numpy(dtype=int)
    groups = labelled.template_id.to_numpy()
    groups = np.where(groups < 0, -np.arange(1, len(groups) + 1), groups)  # unknown template: a group of its own
    right = confident = confident_right = 0
    for train, test in GroupKFold(folds).split(x, y, groups):
        model = _model()
        model.fit(x[train], y[train])  # type: ignore[attr-defined]
        proba = model.predict_proba(x[test])  # type: ignore[attr-defined]
        pred = model.classes_[proba.argmax(1)]  # type: ignore[attr-defined]
        sure = proba.max(1) >= MIN_CONFIDENCE
        right += int((pred == y[test]).sum())
        confident += int(sure.sum())
        confident_right += int((pred[sure] == y[test][sure]).sum())
    n = len(y)
    return Evaluation(n, right / n, confident / n, confident_right / max(confident, 1))


def predict_template_classes(labelled: pd.DataFrame, templates: pd.DataFrame, reactions: pd.DataFrame) -> pd.DataFrame:
    """template_id, predicted_class, confidence for every template without a recorded class whose prediction from
    its first training reaction reaches ``MIN_CONFIDENCE``."""
    model = _model()
    x = np.stack([difference_fingerprint(r, p) for r, p in zip(labelled.reactants, labelled["product"], strict=True)])
    model.fit(x, labelled.reaction_class.to_numpy(dtype=int))  # type: ignore[attr-defined]
    unlabelled = set(templates.template_id[templates.reaction_class.astype(str).str.strip() == ""].astype(int))
    first = reactions[reactions.template_id.isin(unlabelled)].drop_duplicates("template_id")
    reactants = [str(r).split("|")[0] for r in first.reactants]
    xs = np.stack([difference_fingerprint(r, p) for r, p in zip(reactants, first["product"], strict=True)])
    proba = model.predict_proba(xs)  # type: ignore[attr-defined]
    out = pd.DataFrame(
        {
            "template_id": first.template_id.to_numpy(dtype=int),
            "predicted_class": model.classes_[proba.argmax(1)].astype(int),  # type: ignore[attr-defined]
            "confidence": proba.max(1).round(3),
        }
    )
    return out[out.confidence >= MIN_CONFIDENCE].sort_values("template_id").reset_index(drop=True)
