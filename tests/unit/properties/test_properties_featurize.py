"""Featurization: SMILES parsing, polymer `*` treatments, feature shapes."""

import numpy as np
import pytest
from rdkit import Chem

from tools.properties.errors import InvalidSmiles, NotApplicable
from tools.properties.featurize import DESCRIPTOR_NAMES, FP_SIZE, featurize, is_polymer, prepare


def test_polymer_repeat_unit_capped_with_hydrogen_is_the_monomer_hydride():
    assert Chem.MolToSmiles(prepare("[*]CC([*])c1ccccc1", "cap_h")) == "CCc1ccccc1"


def test_polymer_trimer_joins_three_units_head_to_tail():
    assert Chem.MolToSmiles(prepare("[*]CC[*]", "trimer")) == "CCCCCC"


def test_polymer_dummy_mode_keeps_the_attachment_points():
    assert Chem.MolToSmiles(prepare("[*]CC[*]", "dummy")) == "*CC*"


def test_trimer_needs_exactly_two_attachment_points():
    with pytest.raises(NotApplicable, match="exactly two"):
        prepare("[*]CC([*])C[*]", "trimer")


def test_invalid_smiles_says_what_is_wrong():
    with pytest.raises(InvalidSmiles, match="could not parse"):
        prepare("C1CC(")


def test_features_are_morgan_counts_then_descriptors():
    features = featurize(["CCO", "c1ccccc1"])
    assert features.X.shape == (2, FP_SIZE + len(DESCRIPTOR_NAMES))
    assert features.bits.shape == (2, FP_SIZE // 8)
    assert np.isfinite(features.X[:, :FP_SIZE]).all()


def test_is_polymer_recognises_attachment_points():
    assert is_polymer("[*]CC[*]") and not is_polymer("CC")
