"""Template extraction with rdchiral and application to known reactions."""

import pandas as pd
import pytest
from rdkit import Chem

from tools.synthesis import TemplateLibrary
from tools.synthesis.extraction import MappedReaction, build_template_library, extract_template
from tools.synthesis.molecules import canonical

# Two USPTO-50k test reactions: an O-benzylation and a reductive amination.
BENZYLATION = (
    "Br[CH2:1][c:2]1[cH:3][cH:4][cH:5][cH:6][cH:7]1.[CH3:8][O:9][C@H:10]1[O:11][C@H:12]([CH2:13][O:14][CH2:15]"
    "[c:16]2[cH:17][cH:18][cH:19][cH:20][cH:21]2)[C@@H:22]([O:23][CH2:24][c:25]2[cH:26][cH:27][cH:28][cH:29]"
    "[cH:30]2)[C@@:31]1([CH3:32])[OH:33]>>[CH2:1]([c:2]1[cH:3][cH:4][cH:5][cH:6][cH:7]1)[O:33][C@@:31]1([CH3:32])"
    "[C@@H:10]([O:9][CH3:8])[O:11][C@H:12]([CH2:13][O:14][CH2:15][c:16]2[cH:17][cH:18][cH:19][cH:20][cH:21]2)"
    "[C@H:22]1[O:23][CH2:24][c:25]1[cH:26][cH:27][cH:28][cH:29][cH:30]1"
)
ACETYLATION = "Cl[C:1]([CH3:2])=[O:3].[NH2:4][c:5]1[cH:6][cH:7][cH:8][cH:9][cH:10]1>>[CH3:2][C:1](=[O:3])[NH:4][c:5]1[cH:6][cH:7][cH:8][cH:9][cH:10]1"  # noqa: E501


@pytest.fixture(scope="module")
def library() -> TemplateLibrary:
    return TemplateLibrary.load()


def _one_template_library(template: str | None, library: TemplateLibrary) -> TemplateLibrary:
    assert template is not None
    frame = pd.DataFrame({"template_id": [0], "retro_template": [template], "train_count": [1], "reaction_class": [0]})
    return TemplateLibrary(frame, library.reactions.head(0))


def test_extracted_template_reverses_its_own_reaction(library: TemplateLibrary) -> None:
    tiny = _one_template_library(extract_template(ACETYLATION), library)
    assert tiny.apply(0, "CC(=O)Nc1ccccc1") == [canonical("CC(=O)Cl.Nc1ccccc1")]


def _unmapped(smiles: str) -> str:
    mol = Chem.MolFromSmiles(smiles)
    for atom in mol.GetAtoms():
        atom.SetAtomMapNum(0)
    return Chem.MolToSmiles(mol)


def test_extracted_template_does_what_the_shipped_one_does(library: TemplateLibrary) -> None:
    # USPTO-50k test reaction US20150152131A1 was recorded with training template 114 (benzyl ether formation)
    reactants, product = (_unmapped(side) for side in BENZYLATION.split(">>"))
    mine = _one_template_library(extract_template(BENZYLATION), library)
    assert mine.apply(0, product) == library.apply(114, product) and reactants in mine.apply(0, product)


def test_library_counts_classes_and_precedents() -> None:
    table = build_template_library(
        [
            MappedReaction("r1", ACETYLATION, 2),
            MappedReaction("r2", ACETYLATION.replace("[cH:8]", "[c:8]([Cl:11])"), 2),  # 4-chloroacetanilide
            MappedReaction("r3", BENZYLATION, 1),
            MappedReaction("bad", "not a reaction", None),
        ]
    )
    top = table.iloc[0]
    assert (len(table), top.train_count, top.reaction_class, top.precedents) == (2, 2, 2, "r1;r2")


def test_shipped_library_lists_precedents_for_a_template(library: TemplateLibrary) -> None:
    precedents = library.precedents(28, limit=2)
    assert len(precedents) == 2 and all(p.product for p in precedents)
