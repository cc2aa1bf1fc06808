"""Applicability-domain similarity, threshold choice, and the random / scaffold splits."""

import numpy as np
from rdkit import Chem

from tools.properties import domain, splits
from tools.properties.featurize import featurize


def test_a_molecule_is_its_own_nearest_neighbour_with_similarity_one():
    bits = featurize(["CCO", "c1ccccc1O", "CCCCCC"]).bits
    idx, sims = domain.nearest(bits[1:2], bits, k=2)
    assert idx[0, 0] == 1 and sims[0, 0] == 1.0 and sims[0, 1] < 1.0


def test_threshold_is_where_error_rises():
    sim = np.linspace(0.1, 0.9, 200)
    err = np.where(sim < 0.4, 2.0, 0.3)
    assert domain.choose_threshold(sim, err) == 0.4


def test_random_split_is_reproducible_and_covers_everything():
    a, b = splits.random_split(100, seed=3), splits.random_split(100, seed=3)
    assert all((x == y).all() for x, y in zip(a, b, strict=True))
    assert sorted(np.concatenate(a)) == list(range(100))


def test_scaffold_split_never_puts_one_scaffold_on_both_sides():
    smiles = ["c1ccccc1C", "c1ccccc1CC", "c1ccncc1", "C1CCCCC1O", "CCO", "c1ccc2ccccc2c1", "c1ccccc1N"] * 3
    mols = [Chem.MolFromSmiles(s) for s in smiles]
    train, cal, test = splits.scaffold_split(mols)
    scaf = [splits.scaffold(m) for m in mols]
    assert not {scaf[i] for i in train} & {scaf[i] for i in test}
