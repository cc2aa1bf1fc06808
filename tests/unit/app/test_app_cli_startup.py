"""The `chemassist` CLI starts light: listing its commands imports no science stack, and each command brings in only
what it uses. (How fast that is gets measured in benchmarks/cli_startup.py, never asserted here.)"""

import inspect
import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from app.cli.main import COMMANDS, app, load_command
from app.settings import PROJECT_ROOT

# Packages that cost seconds or hundreds of MiB to import; the CLI's front door must not touch them.
HEAVY = (
    "torch",
    "rdkit",
    "pymilvus",
    "milvus_lite",
    "sentence_transformers",
    "transformers",
    "langchain",
    "langchain_core",
    "langchain_openai",
    "langgraph",
    "langsmith",
    "sqlalchemy",
    "alembic",
    "sklearn",
    "lightgbm",
    "pandas",
    "numpy",
    "streamlit",
    "fastapi",
)

REPORT_MODULES = "import json, sys; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)"


def run_python(code: str) -> tuple[str, set[str]]:
    """Run `code` in a fresh interpreter (help rendered 400 columns wide); return what it printed and the top-level
    packages it had imported."""
    result = subprocess.run(
        [sys.executable, "-c", f"{code}\n{REPORT_MODULES}"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "TERMINAL_WIDTH": "400"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout, set(json.loads(result.stderr.strip().splitlines()[-1]))


def run_cli(*args: str) -> str:
    """Code that runs `chemassist ARGS` as the console script does, swallowing its exit."""
    return "\n".join(
        [
            "import sys",
            f"sys.argv = ['chemassist', *{list(args)!r}]",
            "from app.cli.main import main",
            "try:",
            "    main()",
            "except SystemExit:",
            "    pass",
        ]
    )


def heavy_in(modules: set[str]) -> list[str]:
    return sorted(name for name in modules if name in HEAVY or name.startswith("langchain"))


def test_importing_the_cli_imports_no_heavy_package():
    _, modules = run_python("import app.cli.main")
    assert "typer" in modules  # the probe sees what was imported
    assert heavy_in(modules) == []


def test_top_level_help_lists_every_command_and_imports_no_heavy_package():
    shown, modules = run_python(run_cli("--help"))
    assert [name for name, entry in COMMANDS.items() if f"{name}  " not in shown or entry.summary not in shown] == []
    assert heavy_in(modules) == []


def test_mol_info_imports_rdkit_but_no_model_vector_or_database_stack():
    shown, modules = run_python(run_cli("mol", "info", "CCO", "--json"))
    assert json.loads(shown)["canonical_smiles"] == "CCO"
    assert heavy_in(modules) == ["numpy", "rdkit"]  # RDKit needs numpy; nothing else heavy


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_summary_is_the_first_paragraph_of_the_commands_own_help(name):
    command = load_command(name)
    first_paragraph = inspect.cleandoc(command.help or "").split("\n\n")[0].replace("\n", " ")
    assert command.name == name
    assert COMMANDS[name].summary == first_paragraph


def test_a_misspelt_command_gets_suggestions():
    result = CliRunner().invoke(app, ["mool"])
    assert result.exit_code == 2
    assert "Did you mean 'mol'" in result.output
