"""Predict properties with the shipped models: value, 90% interval, domain flag, nearest neighbours.

Each (SMILES, property) pair gets its own `Prediction`; a bad item carries `error` and never stops
the batch. Molecules default to the small-molecule properties, polymer repeat units (`*`) to Tg.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rdkit import Chem

from tools.properties import cards, conformal, datasets, domain, regressors
from tools.properties.errors import ModelUnavailable, NotApplicable, PropertyError
from tools.properties.featurize import count_attachment_points, featurize_mols, parse, prepare
from tools.results import Neighbour, Prediction

MOLECULE_DEFAULTS = ("esol", "freesolv", "lipophilicity")
POLYMER_DEFAULTS = ("tg",)
SIZE_MARGIN = 1.25


@dataclass
class LoadedModel:
    spec: datasets.PropertySpec
    card: dict
    regressor: regressors.Regressor
    train_bits: np.ndarray
    train_smiles: np.ndarray
    train_values: np.ndarray
    calibration: conformal.Calibration

    @property
    def name(self) -> str:
        return self.card["model"]["name"]

    @property
    def test_rmse(self) -> float:
        return float(self.card["shipped_split"]["rmse"])

    @property
    def threshold(self) -> float:
        return float(self.card["domain"]["similarity_threshold"])


@functools.lru_cache(maxsize=16)
def load_model(name: str, models_dir: Path = cards.MODELS_DIR) -> LoadedModel:
    """The trained model for a property, from `models_dir/<property>/` (cached)."""
    spec = datasets.resolve(name)
    directory = models_dir / spec.name
    try:
        card = cards.load_card(spec.name, models_dir)
        reg = regressors.load(card["model"]["regressor"], directory)
        dom = np.load(directory / "domain.npz")
    except (OSError, KeyError, ValueError) as exc:
        raise ModelUnavailable(
            f"No trained {spec.name} model in {directory} ({exc.__class__.__name__}); "
            "run `chemassist models train-properties`."
        ) from exc
    u = card["uncertainty"]
    calibration = conformal.Calibration(
        alpha=u["alpha"],
        q=u["q"],
        q_abs=u["q_constant_width"],
        beta=u["beta"],
        n_calibration=u["n_calibration"],
    )
    return LoadedModel(spec, card, reg, dom["bits"], dom["smiles"], dom["values"], calibration)


def default_properties(smiles: str) -> tuple[str, ...]:
    return POLYMER_DEFAULTS if count_attachment_points(parse(smiles)) else MOLECULE_DEFAULTS


def _check_applicable(spec: datasets.PropertySpec, mol: Chem.Mol) -> None:
    stars = count_attachment_points(mol)
    if spec.kind == "polymer" and stars != 2:
        raise NotApplicable(
            f"{spec.label} needs a polymer repeat unit with exactly two [*] attachment points "
            f"(e.g. [*]CC([*])c1ccccc1 for polystyrene); this structure has {stars}."
        )
    if spec.kind == "molecule" and stars:
        raise NotApplicable(
            f"{spec.label} is a small-molecule model; this structure has [*] attachment points "
            "(a polymer repeat unit?)."
        )


def _domain_notes(model: LoadedModel, mol: Chem.Mol, max_sim: float) -> list[str]:
    d = model.card["domain"]
    notes = []
    if max_sim < model.threshold:
        notes.append(f"max similarity to training set {max_sim:.2f} < threshold {model.threshold:.2f}")
    unseen = sorted({a.GetSymbol() for a in mol.GetAtoms() if a.GetAtomicNum() > 0} - set(d["elements"]))
    if unseen:
        notes.append(f"element(s) {', '.join(unseen)} never seen in training")
    heavy = mol.GetNumHeavyAtoms()
    if heavy > SIZE_MARGIN * d["heavy_atoms_max"]:
        notes.append(f"{heavy} heavy atoms; training molecules have at most {d['heavy_atoms_max']}")
    return notes


def _predict_one_property(
    model: LoadedModel, items: list[tuple[int, str, Chem.Mol]], n_neighbours: int
) -> dict[int, Prediction]:
    out: dict[int, Prediction] = {}
    ready: list[tuple[int, str, Chem.Mol]] = []
    polymer_mode = model.card["model"].get("polymer_mode") or "cap_h"
    for pos, smi, mol in items:
        try:
            _check_applicable(model.spec, mol)
            ready.append((pos, smi, prepare(smi, polymer_mode)))
        except PropertyError as exc:
            out[pos] = Prediction(smiles=smi, property=model.spec.name, error=str(exc))
    if not ready:
        return out
    feats = featurize_mols([m for _, _, m in ready])
    values = model.regressor.predict(feats.X, feats.bits)
    idx, sims = domain.nearest(feats.bits, model.train_bits, k=max(domain.K_DIFFICULTY, n_neighbours))
    sigma = conformal.difficulty(sims[:, : domain.K_DIFFICULTY].mean(axis=1), model.calibration.beta)
    low, high = model.calibration.interval(values, sigma)
    for row, (pos, smi, mol) in enumerate(ready):
        max_sim = float(sims[row, 0])
        notes = _domain_notes(model, mol, max_sim)
        out[pos] = Prediction(
            smiles=smi,
            property=model.spec.name,
            label=model.spec.label,
            value=round(float(values[row]), 4),
            unit=model.spec.unit,
            interval_low=round(float(low[row]), 4),
            interval_high=round(float(high[row]), 4),
            interval_confidence=1 - model.calibration.alpha,
            in_domain=not notes,
            domain_notes=notes,
            max_similarity=round(max_sim, 4),
            nearest_neighbours=[
                Neighbour(
                    smiles=str(model.train_smiles[j]),
                    similarity=round(float(s), 4),
                    measured_value=float(model.train_values[j]),
                )
                for j, s in zip(idx[row, :n_neighbours], sims[row, :n_neighbours], strict=True)
            ],
            model=model.name,
            test_rmse=round(model.test_rmse, 4),
            provenance=f"predicted by model {model.name} (test RMSE {model.test_rmse:.3g} {model.spec.unit} of "
            "this shipped model on its random-split test set, seed 0; the card's headline RMSE is the mean of 3 "
            "random splits; 90% split-conformal interval)",
        )
    return out


Progress = Callable[[int, int, str], None]
"""progress(structures_done, structures_total, message); it may raise to stop the work between chunks."""
PROGRESS_CHUNK = 50  # structures per report: a bar that moves every second or two on a busy 2-core machine


def predict(
    smiles_list: Sequence[str],
    properties: Sequence[str] | None = None,
    n_neighbours: int = 3,
    models_dir: Path | None = None,
    progress: Progress | None = None,
) -> list[Prediction]:
    """Predict `properties` (names or aliases; default by structure kind) for each SMILES, in input order.

    An invalid SMILES gives one item with `property=None` and `error` set; a property that does not apply
    (Tg of a small molecule) gives that pair an error. Unknown property names and missing models raise.
    With `progress`, the structures are predicted in chunks of PROGRESS_CHUNK and each chunk is reported.
    """
    if progress is not None:
        total = len(smiles_list)
        out: list[Prediction] = []
        progress(0, total, f"predicting {total:,} structures")
        for start in range(0, total, PROGRESS_CHUNK):
            chunk = smiles_list[start : start + PROGRESS_CHUNK]
            out += predict(chunk, properties, n_neighbours, models_dir)
            progress(start + len(chunk), total, f"predicted {start + len(chunk):,} of {total:,} structures")
        return out
    specs = [datasets.resolve(p) for p in properties] if properties else None
    requests: list[tuple[str, str | None, Chem.Mol | None, str | None]] = []
    for smi in smiles_list:
        try:
            mol = parse(smi)
        except PropertyError as exc:
            requests.append((smi, None, None, str(exc)))
            continue
        names = [s.name for s in specs] if specs else list(default_properties(smi))
        requests += [(smi, name, mol, None) for name in names]

    results: dict[int, Prediction] = {}
    by_property: dict[str, list[tuple[int, str, Chem.Mol]]] = {}
    for pos, (smi, name, parsed, error) in enumerate(requests):
        if error is not None or name is None or parsed is None:
            results[pos] = Prediction(smiles=smi, property=name, error=error)
        else:
            by_property.setdefault(name, []).append((pos, smi, parsed))
    for name, items in by_property.items():
        model = load_model(name, models_dir or cards.MODELS_DIR)
        results.update(_predict_one_property(model, items, n_neighbours))
    return [results[pos] for pos in range(len(requests))]
