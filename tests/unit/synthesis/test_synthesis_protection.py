"""The protecting-group flag: groups a step leaves untouched but its reaction class attacks, found from the
template's reaction centre, with the rule's reason and source; steps it cannot judge say so."""

import csv
import time

import pytest
from rdkit import Chem

from tools.synthesis import Suggestion, TemplateLibrary
from tools.synthesis.library import DATA_DIR, REACTION_CLASSES
from tools.synthesis.protection import load_groups, load_rules, protection_flags, reaction_centre


@pytest.fixture(scope="module")
def library() -> TemplateLibrary:
    return TemplateLibrary.load()


def _step(library: TemplateLibrary, template_id: int, product: str, reactants: tuple[str, ...]) -> Suggestion:
    t = library.template(template_id)
    return Suggestion(product, reactants, 0.5, template_id, t.smarts, t.best_class[0], template_count=t.count)


def test_acetylating_an_aniline_flags_the_free_benzylic_amine_beside_it(library: TemplateLibrary) -> None:
    # Ac2O + 4-aminobenzylamine: the aliphatic amine is the better nucleophile and is acetylated first.
    step = _step(library, 127, "CC(=O)Nc1ccc(CN)cc1", ("CC(=O)OC(C)=O", "NCc1ccc(N)cc1")).with_protection_check()
    [flag] = step.protection or ()
    assert flag.text == (
        "may need protection of primary or secondary amine (atom 0 of NCc1ccc(N)cc1) under acylation and related "
        "processes"
    )
    assert Chem.MolFromSmiles(flag.reactant).GetAtomWithIdx(flag.atoms[0]).GetSymbol() == "N"
    assert "Greene" in flag.source and "Boc" in flag.usual_protection


def test_acetylating_4_aminophenol_is_not_flagged_because_the_amine_wins(library: TemplateLibrary) -> None:
    step = _step(library, 127, "CC(=O)Nc1ccc(O)cc1", ("CC(=O)OC(C)=O", "Nc1ccc(O)cc1")).with_protection_check()
    assert step.protection == ()
    assert step.to_dict()["protection_checked"] is True and step.to_dict()["protection_flags"] == []


def test_a_grignard_addition_flags_the_free_phenol_of_the_aldehyde(library: TemplateLibrary) -> None:
    template = library.template(278).smarts  # MeMgX + ArCHO -> ArCH(OH)CH3
    flags = protection_flags(template, "CC(O)c1ccc(O)cc1", ("C[Mg+]", "O=Cc1ccc(O)cc1"), 3)
    assert [(f.group, f.reactant, f.rule) for f in flags or ()] == [("phenol OH", "O=Cc1ccc(O)cc1", "3-organometallic")]


def test_the_reacting_hydroxyl_itself_is_never_flagged(library: TemplateLibrary) -> None:
    # The carbinol OH made by the Grignard step is in the centre; without another OH there is nothing to flag.
    template = library.template(278).smarts
    assert protection_flags(template, "CC(O)c1ccccc1", ("C[Mg+]", "O=Cc1ccccc1"), 3) == ()


def test_a_step_without_a_reaction_class_is_not_judged(library: TemplateLibrary) -> None:
    step = Suggestion("CC(=O)Nc1ccc(CN)cc1", ("CC(=O)OC(C)=O", "NCc1ccc(N)cc1"), 0.5, 127, "", None)
    assert step.with_protection_check().protection is None
    assert step.to_dict()["protection_checked"] is False


def test_precursors_the_template_does_not_give_back_have_no_centre(library: TemplateLibrary) -> None:
    assert reaction_centre(library.template(127).smarts, "CC(=O)Nc1ccccc1", ("CC(=O)Cl", "Nc1ccccc1")) is None


def test_every_rule_names_known_groups_a_real_class_and_a_source() -> None:
    rules = load_rules()
    assert len(rules) >= 15
    assert all(r.reaction_class in REACTION_CLASSES and r.source and r.reason for r in rules)
    with (DATA_DIR / "protectable_groups.csv").open() as handle:
        assert all(row["source"] for row in csv.DictReader(handle))


@pytest.mark.parametrize(
    ("group", "smiles", "hits"),
    [
        ("alcohol OH", "OCCc1ccccc1", 1),
        ("alcohol OH", "CC(=O)O", 0),  # an acid's OH is not an alcohol
        ("primary or secondary amine", "NCCc1ccccc1", 1),
        ("primary or secondary amine", "CC(=O)NC", 0),  # amides need no protection
        ("primary or secondary amine", "Nc1ccccc1", 0),  # anilines are their own group
        ("aniline NH", "Nc1ccccc1", 1),
        ("carboxylic acid", "OC(=O)c1ccccc1", 1),
        ("ketone", "CC(=O)c1ccccc1", 1),
        ("ketone", "CC(=O)OC", 0),  # an ester is not a ketone
        ("azole NH", "c1cc[nH]c1", 1),
    ],
)
def test_group_patterns_tell_protectable_groups_from_lookalikes(group: str, smiles: str, hits: int) -> None:
    pattern = load_groups()[group].pattern
    assert len(Chem.MolFromSmiles(smiles).GetSubstructMatches(pattern)) == hits


def test_a_step_whose_check_runs_out_of_time_stays_unjudged(library: TemplateLibrary) -> None:
    step = _step(library, 127, "CC(=O)Nc1ccc(CN)cc1", ("CC(=O)OC(C)=O", "NCc1ccc(N)cc1"))
    assert step.with_protection_check(deadline=time.monotonic()).protection is None
    assert step.with_protection_check(deadline=time.monotonic() + 60).protection
