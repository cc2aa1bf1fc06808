"""Train / calibration / test splits: random (seeded) and Bemis-Murcko scaffold (DeepChem style)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from rdkit import Chem
from rdkit.Chem.Scaffolds import MurckoScaffold

FRACTIONS = (0.8, 0.1, 0.1)  # train, calibration, test: MoleculeNet's 80/10/10 with "valid" used to calibrate


def random_split(
    n: int, seed: int = 0, fractions: tuple[float, float, float] = FRACTIONS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle 0..n-1 with `seed` and cut into (train, calibration, test) index arrays."""
    order = np.random.default_rng(seed).permutation(n)
    n_train = int(round(fractions[0] * n))
    n_cal = int(round(fractions[1] * n))
    return order[:n_train], order[n_train : n_train + n_cal], order[n_train + n_cal :]


def scaffold(mol: Chem.Mol) -> str:
    """Bemis-Murcko scaffold SMILES ('' for acyclic molecules)."""
    try:
        return MurckoScaffold.MurckoScaffoldSmiles(mol=mol, includeChirality=False)
    except Exception:  # noqa: BLE001 - odd molecules fall back to their own group
        return Chem.MolToSmiles(mol)


def scaffold_split(
    mols: Sequence[Chem.Mol], fractions: tuple[float, float, float] = FRACTIONS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group by scaffold, largest groups first into train, then calibration, then test (deterministic).

    This is DeepChem's ScaffoldSplitter, the split MoleculeNet's scaffold numbers use: the test set holds
    the rarest scaffolds, so its molecules are less like the training set than in a random split.
    """
    groups: dict[str, list[int]] = defaultdict(list)
    for i, mol in enumerate(mols):
        groups[scaffold(mol)].append(i)
    ordered = sorted(groups.values(), key=lambda g: (len(g), g[0]), reverse=True)
    n = len(mols)
    train_cut, cal_cut = fractions[0] * n, (fractions[0] + fractions[1]) * n
    train: list[int] = []
    cal: list[int] = []
    test: list[int] = []
    for group in ordered:
        if len(train) + len(group) <= train_cut:
            train += group
        elif len(train) + len(cal) + len(group) <= cal_cut:
            cal += group
        else:
            test += group
    return np.array(train), np.array(cal), np.array(test)
