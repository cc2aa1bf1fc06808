"""Input edge cases: parallel OPSIN lookups, malformed attachment points."""

from concurrent.futures import ThreadPoolExecutor

from rdkit import Chem

from tools.chem.names import _opsin


def test_parallel_opsin_lookups_do_not_swap_answers():
    names = [
        "2-acetyloxybenzoic acid",
        "N-(4-hydroxyphenyl)acetamide",
        "1,3,7-trimethylpurine-2,6-dione",
        "propan-2-ol",
    ]
    expected = ["CC(=O)Oc1ccccc1C(=O)O", "CC(=O)Nc1ccc(O)cc1", "Cn1c(=O)c2c(ncn2C)n(C)c1=O", "CC(C)O"]
    _opsin.cache_clear()
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(_opsin, names))
    assert [Chem.CanonSmiles(s) for s in got] == [Chem.CanonSmiles(s) for s in expected]


def test_attachment_points_must_each_bond_one_real_atom():
    import pytest

    import tools.chem as chem
    from tools.chem.errors import InvalidSmiles

    assert chem.to_smiles(chem.parse("*CC(*)c1ccccc1")) == "*CC(*)c1ccccc1"
    with pytest.raises(InvalidSmiles, match="attachment point"):
        chem.parse("**CCO**")
