"""`chemassist predict` with hostile input: SMILES longer than a file name may be, paths that cannot be opened,
inputs that all fail. Run through the real `chemassist` app (Typer's CliRunner), and once as a real process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli.main import app
from app.settings import PROJECT_ROOT

runner = CliRunner()
ALKANE_300 = "C" * 300  # 300 characters: more than the 255 a file name may have
POLYSTYRENE_25 = "[*]" + "CC(c1ccccc1)" * 25 + "[*]"  # a 306-character polymer-like repeat unit


def predict(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["predict", *args], env={"COLUMNS": "250"})
    assert not isinstance(result.exception, OSError | ValueError | KeyError | TypeError), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_a_300_character_alkane_is_predicted_not_opened_as_a_file() -> None:
    code, out, _ = predict(ALKANE_300, "--property", "esol", "--json")
    row = json.loads(out)[0]
    assert (code, row["smiles"], row["error"], row["value"] is not None) == (0, ALKANE_300, None, True)


def test_a_long_polymer_repeat_unit_gets_its_tg() -> None:
    code, out, _ = predict(POLYSTYRENE_25, "--json")
    row = json.loads(out)[0]
    assert (code, row["property"], row["error"], row["value"] is not None) == (0, "tg", None, True)


def test_a_long_string_that_is_no_smiles_gets_a_clear_message_and_exit_code_1() -> None:
    code, _, err = predict("Q" * 300)
    assert code == 1 and "Invalid SMILES 'QQQ" in err and "(300 characters)" in err


def test_a_path_that_does_not_exist_says_it_could_not_be_opened() -> None:
    code, _, err = predict("/nonexistent/folder/mols")
    assert code == 1 and "Could not open /nonexistent/folder/mols: no such file" in err


def test_a_file_name_too_long_for_the_file_system_says_so(tmp_path: Path) -> None:
    code, _, err = predict(str(tmp_path / ("x" * 300 + ".smi")))
    assert code == 1 and "File name too long" in err


def test_a_folder_is_not_a_file_of_smiles(tmp_path: Path) -> None:
    code, _, err = predict(str(tmp_path))
    assert code == 1 and "is a folder, not a file of SMILES" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root may read any file")
def test_an_unreadable_file_says_why(tmp_path: Path) -> None:
    path = tmp_path / "locked.smi"
    path.write_text("CCO\n")
    path.chmod(0)
    code, _, err = predict(str(path))
    assert code == 1 and "Permission denied" in err


def test_one_invalid_smiles_exits_1_saying_what_was_wrong() -> None:
    code, _, err = predict("C1CC(")
    assert code == 1 and "Invalid SMILES 'C1CC('" in err and "No prediction could be made" in err


def test_a_file_where_every_input_fails_exits_1_with_a_line_per_input(tmp_path: Path) -> None:
    path = tmp_path / "bad.smi"
    path.write_text("not_a_smiles\nC1CC(\n")
    code, out, err = predict(str(path), "--json")
    lines = [line for line in err.splitlines() if line.startswith("Error:")]
    assert (code, len(json.loads(out)), len(lines)) == (1, 2, 2)


def test_a_small_molecule_asked_only_for_tg_fails_and_exits_1() -> None:
    code, _, err = predict("CCO", "--property", "tg")
    assert code == 1 and "Error: CCO, tg:" in err and "two [*] attachment points" in err


def test_partial_failures_exit_0_and_are_still_listed(tmp_path: Path) -> None:
    path = tmp_path / "mixed.smi"
    path.write_text("CCO\nnot_a_smiles\n")
    code, out, err = predict(str(path), "--property", "esol")
    assert code == 0 and "CCO" in out and "Invalid SMILES 'not_a_smiles'" in err and "1 of 2 inputs" in err


def test_smiles_brackets_survive_the_table() -> None:
    code, out, _ = predict("c1cc[nH]c1", "--property", "esol")
    assert code == 0 and "c1cc[nH]c1" in out


@pytest.mark.slow  # a fresh process imports the whole CLI
def test_the_installed_command_predicts_a_300_character_smiles_without_a_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli.main", "predict", ALKANE_300, "--property", "esol", "--json"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert (proc.returncode, "Traceback" in proc.stderr, json.loads(proc.stdout)[0]["error"]) == (0, False, None)


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="Linux only")
def test_a_file_that_cannot_be_read_says_why() -> None:
    code, _, err = predict("/proc/self/mem")  # a regular file whose first bytes cannot be read
    assert code == 1 and "Could not open /proc/self/mem: Input/output error" in err
