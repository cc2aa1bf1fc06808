"""Stock lookup by InChIKey, the lab inventory on top, and the built-in safety list."""

import io

import pytest

from tools.synthesis import InvalidStockFile, Stock, builtin_screen


@pytest.fixture(scope="module")
def shipped() -> Stock:
    return Stock.default()


def test_shipped_stock_finds_aniline_whatever_the_smiles_spelling(shipped: Stock) -> None:
    assert shipped.lookup("c1ccc(N)cc1").source == "uspto50k"


def test_a_complex_drug_is_not_in_the_shipped_stock(shipped: Stock) -> None:
    assert not shipped.in_stock("CC(=O)Nc1ccc(OCc2ccccc2)cc1C(=O)N1CCOCC1")


def test_lab_inventory_adds_named_molecules_and_reports_bad_rows() -> None:
    stock = Stock()
    report = stock.add_inventory(io.StringIO("smiles,name\nOC(=O)c1ccccc1,benzoic acid (shelf 3)\nnot-a-smiles,x\n"))
    assert (report.added, report.skipped) == (1, ["not-a-smiles"])
    assert stock.lookup("O=C(O)c1ccccc1").name == "benzoic acid (shelf 3)"


def test_inventory_without_a_smiles_column_is_rejected() -> None:
    with pytest.raises(InvalidStockFile, match="smiles"):
        Stock().add_inventory(io.StringIO("name,cas\nethanol,64-17-5\n"))


def test_zinc_filter_is_labelled_probabilistic() -> None:
    stock = Stock(use_zinc=True)
    assert stock.lookup("CC(=O)Cl").source == "zinc-instock (probabilistic)"


def test_sarin_is_flagged_by_the_builtin_list() -> None:
    verdict = builtin_screen("CC(C)OP(C)(=O)F")
    assert verdict.flagged and "sarin" in verdict.reason


def test_a_stereoisomer_of_soman_is_flagged_too() -> None:
    assert builtin_screen("CC(C)(C)[C@@H](C)O[P@](C)(=O)F").flagged


def test_paracetamol_is_not_flagged() -> None:
    assert not builtin_screen("CC(=O)Nc1ccc(O)cc1").flagged
