"""Workshop packs: the built-in pack validates, and malformed packs are refused with messages that say where."""

import textwrap

import pytest
from typer.testing import CliRunner

from app.cli.workshops import cli
from app.workshops import CHECK_KINDS, PackError, builtin_packs, find_pack, load_pack, parse_pack

GOOD = """
id: mini
version: 2
title: Mini workshop
duration: 1 h
sections:
  - id: molecules
    title: Molecules
    instructions: Look things up.
    example_prompts: ["What is the MW of aspirin?"]
    exercises:
      - id: mw-window
        title: A small molecule
        task: Find one.
        check:
          kind: molecule_window
          windows: {mol_weight: [null, 300], logp: [1, 3]}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(PackError) as caught:
        parse_pack(textwrap.dedent(text), "bad.yaml")
    return caught.value.problems


def test_the_builtin_onboarding_pack_covers_the_day_and_every_check_kind():
    pack = find_pack("onboarding")
    assert [s.id for s in pack.sections] == [
        "chat-basics", "molecules", "properties", "retrosynthesis", "literature", "good-practice",
    ]  # fmt: skip
    assert {e.check.kind for _, e in pack.exercises} == set(CHECK_KINDS)
    assert 240 <= sum(s.minutes for s in pack.sections) <= 360
    assert pack in builtin_packs()


def test_a_small_pack_parses_with_its_version_as_text():
    pack = parse_pack(GOOD)
    assert (pack.id, pack.version, pack.exercise("mw-window").check.windows["logp"]) == ("mini", "2", (1, 3))


def test_an_unknown_check_kind_names_the_section_and_exercise():
    assert problems(GOOD.replace("kind: molecule_window", "kind: vibes")) == [
        "section 'molecules' › exercise 'mw-window' › check: unknown check kind 'vibes'; choose one of: "
        + ", ".join(CHECK_KINDS)
    ]


def test_missing_fields_are_listed_one_by_one():
    found = problems(GOOD.replace("title: Mini workshop\n", "").replace("        task: Find one.\n", ""))
    assert found == ["the pack: 'title' is missing", "section 'molecules' › exercise 'mw-window': 'task' is missing"]


def test_bad_yaml_gives_the_line():
    [problem] = problems("id: x\nsections: [\n  - a\n")
    assert problem.startswith("the file is not valid YAML at line")


def test_check_fields_are_validated_with_the_real_tools():
    [descriptor] = problems(GOOD.replace("logp: [1, 3]", "weight: [1, 3]"))
    assert "check › windows: unknown descriptor 'weight'" in descriptor
    route = GOOD.replace("kind: molecule_window", "kind: solved_route\n          target: not-a-molecule-xyz")
    [target] = problems(route.replace("          windows: {mol_weight: [null, 300], logp: [1, 3]}\n", ""))
    assert "check › target: 'not-a-molecule-xyz' is not a molecule chemassist can read" in target


def test_duplicate_ids_and_misspelt_fields_are_refused():
    twice = GOOD + textwrap.indent(GOOD.split("exercises:\n")[1], "")
    assert any("'mw-window' is used twice" in p for p in problems(twice))
    assert problems(GOOD.replace("example_prompts", "example_prompt")) == [
        "section 'molecules': 'example_prompt' is not a field of a workshop pack here (check the spelling)"
    ]


def test_a_missing_file_and_a_non_mapping_are_clear(tmp_path):
    with pytest.raises(PackError, match="no such file"):
        load_pack(tmp_path / "nope.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(PackError, match="must be a YAML mapping"):
        load_pack(tmp_path / "list.yaml")


def test_cli_validate_and_list_packs(tmp_path):
    ok = CliRunner().invoke(cli, ["validate", "onboarding"])
    assert ok.exit_code == 0 and "8 exercises" in ok.stdout
    (tmp_path / "bad.yaml").write_text(GOOD.replace("kind: molecule_window", "kind: vibes"))
    bad = CliRunner().invoke(cli, ["validate", str(tmp_path / "bad.yaml")])
    assert bad.exit_code == 1 and "unknown check kind 'vibes'" in " ".join(bad.stderr.split())
    listed = CliRunner().invoke(cli, ["list-packs", "--json"])
    assert '"id": "onboarding"' in listed.stdout
