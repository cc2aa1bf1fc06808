"""Name lookups through OPSIN are safe to run at the same time (each call has its own input file)."""

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
