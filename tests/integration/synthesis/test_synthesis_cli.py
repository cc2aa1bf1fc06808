"""`chemassist retro` through Typer's runner: both command forms, JSON output, errors and the lab inventory."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli.retro import cli
from app.services import synthesis as service
from app.settings import reset_settings_cache

pytestmark = pytest.mark.slow
runner = CliRunner()


@pytest.fixture(scope="module", autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("retro") / "var"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CHEMASSIST_DATA_DIR", str(path))
        reset_settings_cache()
        service.reset_planners()
        yield path
    reset_settings_cache()
    service.reset_planners()


def test_single_step_json_lists_precursors_with_precedents() -> None:
    result = runner.invoke(cli, ["single-step", "CC(=O)Nc1ccccc1", "--top-k", "10", "--json"])
    data = json.loads(result.output)
    assert "CC(=O)Cl.Nc1ccccc1" in {".".join(s["reactants"]) for s in data["suggestions"]}
    assert data["suggestions"][0]["precedents"]


def test_bare_smiles_runs_a_search_with_the_issue_json_shape(tmp_path: Path) -> None:
    args = ["CC(=O)Nc1ccc(OCc2ccccc2)cc1", "--time-limit", "20", "--json", "--svg-dir", str(tmp_path)]
    data = json.loads(runner.invoke(cli, args).output)
    step = data["routes"][0]["steps"][0]
    assert data["solved"] and {"product", "reactants", "template", "reaction_class", "precedents", "score"} <= set(step)
    assert (tmp_path / "route1_step1.svg").exists()


def test_invalid_smiles_gives_one_clear_line_and_exit_code_1() -> None:
    result = runner.invoke(cli, ["single-step", "C1CC("])
    assert result.exit_code == 1 and "not a valid SMILES" in result.output


def test_sarin_is_refused_on_the_command_line() -> None:
    result = runner.invoke(cli, ["CC(C)OP(C)(=O)F", "--time-limit", "5"])
    assert result.exit_code == 1 and "refused" in result.output


def test_inventory_upload_puts_a_new_molecule_in_stock(tmp_path: Path) -> None:
    inventory = tmp_path / "shelf.csv"
    inventory.write_text("smiles,name\nCC1(C)CC(=O)N(C2CC2)C1=O,compound X-17\n")
    runner.invoke(cli, ["stock", "add", str(inventory)])
    data = json.loads(runner.invoke(cli, ["stock", "check", "CC1(C)CC(=O)N(C2CC2)C1=O", "--json"]).output)
    assert (data["in_stock"], data["source"], data["name"]) == (True, "inventory", "compound X-17")


def test_build_templates_writes_counts_and_precedents(tmp_path: Path) -> None:
    src = tmp_path / "reactions.csv"
    src.write_text(
        "id,reaction_class,mapped_reaction\n"
        "A1,2,Cl[C:1]([CH3:2])=[O:3].[NH2:4][c:5]1[cH:6][cH:7][cH:8][cH:9][cH:10]1>>"
        "[CH3:2][C:1](=[O:3])[NH:4][c:5]1[cH:6][cH:7][cH:8][cH:9][cH:10]1\n"
    )
    out = tmp_path / "templates.csv"
    runner.invoke(cli, ["build-templates", str(src), "--output", str(out)])
    assert "A1#0" in out.read_text()


def test_a_time_limit_shorter_than_one_expansion_ends_the_search_flagged_in_the_json() -> None:
    tbu_acrylate_41mer = "CC(C)(C)OC(=O)" + "CC(C(=O)OC(C)(C)C)" * 40 + "C"  # one full expansion: 13 s
    data = json.loads(runner.invoke(cli, [tbu_acrylate_41mer, "--time-limit", "2", "--json"]).output)
    assert (data["stop_reason"], data["time_limited"], data["stopped_mid_expansion"]) == ("time limit", True, True)


HYDROQUINONE_ETHER = "Oc1ccc(OCc2ccccc2)cc1"  # 4-benzyloxyphenol: hydroquinone has two OH, only one reacts


def test_a_step_that_leaves_a_second_phenol_free_is_flagged_in_json_and_text() -> None:
    data = json.loads(runner.invoke(cli, [HYDROQUINONE_ETHER, "--time-limit", "30", "--json"]).output)
    steps = [s for r in data["routes"] for s in r["steps"] if "Oc1ccc(O)cc1" in s["reactants"]]
    assert steps, "the search offers the direct route from hydroquinone"
    assert all(
        [(f["group"], f["reactant"], f["atoms"]) for f in s["protection_flags"]] == [("phenol OH", "Oc1ccc(O)cc1", [0])]
        for s in steps
    )
    text = runner.invoke(cli, [HYDROQUINONE_ETHER, "--time-limit", "30"]).output
    assert "PROTECTING GROUP? may need protection of phenol OH" in " ".join(text.split())
