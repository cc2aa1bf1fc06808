"""Batch analysis in worker processes over a CSV with broken rows."""

import pytest
from rdkit import Chem
from rdkit.Chem import Descriptors

import tools.chem as chem

GOOD = ["CCO", "c1ccccc1", "CC(=O)Oc1ccccc1C(=O)O", "Cn1cnc2c1c(=O)n(C)c(=O)n2C", "CC(C)OP(C)(=O)F"]


@pytest.fixture
def csv_file(tmp_path):
    lines = ["name,smiles"]
    for i in range(250):  # above MIN_PARALLEL, so worker processes really run
        lines.append(f"mol{i},{GOOD[i % len(GOOD)]}")
    lines.insert(11, "broken,C1CC(")  # file line 12
    path = tmp_path / "mols.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.slow
def test_batch_on_two_processes_keeps_order_and_reports_the_broken_row(csv_file):
    seen = []
    records = list(chem.read_records(csv_file, parse=False))
    rows = chem.analyse_batch(records, n_jobs=2, progress=lambda done, total: seen.append((done, total)))
    assert len(rows) == 251
    bad = [r for r in rows if r["error"]]
    assert [(r["row"], r["name"]) for r in bad] == [(12, "broken")]
    assert seen[-1] == (251, 251)
    good = [r for r in rows if not r["error"]]
    assert [r["name"] for r in good[:3]] == ["mol0", "mol1", "mol2"]
    aspirin = good[2]
    assert aspirin["mol_weight"] == pytest.approx(Descriptors.MolWt(Chem.MolFromSmiles(GOOD[2])))
    assert aspirin["inchikey"] == "BSYNRYMUTXBXSQ-UHFFFAOYSA-N"
    assert [r["safety_flagged"] for r in good[:5]] == [False, False, False, False, True]


def test_small_batch_runs_in_process_with_fast_options():
    rows = chem.analyse_batch(["CCO", "nonsense(", "*CC(*)c1ccccc1"], options=chem.BatchOptions(False, False, False))
    assert [r["error"] is None for r in rows] == [True, False, True]
    assert rows[2]["attachment_points"] == 2 and "alerts" not in rows[0]
