"""Chemistry shown through Streamlit's Markdown stays exactly as typed (issue 18's own strings), rendered by the
same Markdown rules Streamlit's front end follows (CommonMark, via markdown-it-py)."""

import re

import pytest
from markdown_it import MarkdownIt

from app.ui import text

NITROMETHANE = "C[N+](=O)[O-]"
TNT = "Cc1c(cc(cc1[N+](=O)[O-])[N+](=O)[O-])[N+](=O)[O-]"
IBUPROFEN = "CC(C)Cc1ccc([C@H](C)C(=O)O)cc1"
POLYSTYRENE = "*CC(*)c1ccccc1"
ESTERIFICATION = "CC(=O)O.OCC>[H+]>CC(=O)OCC.O"
ASPIRIN_INCHI = "InChI=1S/C9H8O4/c1-6(10)13-8-5-3-2-4-7(8)9(11)12/h2-5H,1H3,(H,11,12)"
CHEMISTRY = [NITROMETHANE, TNT, IBUPROFEN, POLYSTYRENE, ESTERIFICATION, ASPIRIN_INCHI]

md = MarkdownIt("commonmark").enable("strikethrough")


def shown(markdown: str) -> str:
    """The text a reader sees (tags dropped, entities kept as characters), and whether anything became markup."""
    html = md.render(markdown)
    return re.sub(r"<[^>]+>", "", html).replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&").strip()


def markup(markdown: str) -> set[str]:
    return set(re.findall(r"<(a|em|strong|s|img|h\d|ul|ol|li)\b", md.render(markdown)))


@pytest.mark.parametrize("smiles", [NITROMETHANE, TNT, IBUPROFEN, POLYSTYRENE])
def test_the_issues_strings_are_mangled_by_plain_markdown(smiles):
    assert shown(smiles) != smiles or markup(smiles)  # the bug this module exists for


@pytest.mark.parametrize("smiles", CHEMISTRY)
def test_escaped_user_text_shows_exactly(smiles):
    message = f"Tell me about {smiles}"
    assert shown(text.escape(message)) == message
    assert markup(text.escape(message)) == set()


def test_escape_keeps_line_breaks_and_neutralises_headings_lists_and_links():
    typed = "# not a heading\n- not a list\n[not](a link) and $x$ and :red[plain]"
    html = md.render(text.escape(typed))
    assert "<h1" not in html and "<li" not in html and "<a" not in html
    assert shown(text.escape(typed)).replace("<br />", "").splitlines() == typed.splitlines()


@pytest.mark.parametrize("smiles", CHEMISTRY)
def test_code_span_shows_exactly(smiles):
    assert shown(text.code(smiles)) == smiles


def test_code_span_holds_backticks():
    assert shown(text.code("a`b")) == "a`b"


@pytest.mark.parametrize("smiles", CHEMISTRY)
def test_assistant_markdown_gets_its_bare_chemistry_protected(smiles):
    answer = f"**Result**: the structure {smiles} was read. See [1]."
    protected = text.protect_chemistry(answer)
    assert f"`{smiles}`" in protected
    assert shown(protected) == f"Result: the structure {smiles} was read. See [1]."
    assert markup(protected) == {"strong"}  # the agent's bold survives, nothing else is markup


def test_assistant_markdown_keeps_code_spans_fences_lists_and_links():
    answer = (
        f"Aspirin (`CC(=O)Oc1ccccc1C(=O)O`) and ibuprofen ({IBUPROFEN}):\n\n"
        f"* first item\n* {POLYSTYRENE}\n\n```\n{NITROMETHANE}\n```\n[source](https://example.org/paper)"
    )
    protected = text.protect_chemistry(answer)
    assert "(`CC(=O)Oc1ccccc1C(=O)O`)" in protected  # already a code span: untouched
    assert f"(`{IBUPROFEN}`):" in protected
    assert f"* `{POLYSTYRENE}`" in protected and "* first item" in protected
    assert f"```\n{NITROMETHANE}\n```" in protected  # fenced block untouched
    assert "[source](https://example.org/paper)" in protected
    assert {"a", "ul", "li"} <= markup(protected)


def test_words_numbers_and_emphasis_are_not_taken_for_smiles():
    prose = "**CO and CO2** are *gases*; see [1] (p. 4) and x_y."
    assert text.protect_chemistry(prose) == prose


def test_bold_around_a_smiles_stays_bold_and_the_smiles_exact():
    protected = text.protect_chemistry(f"**{NITROMETHANE}**")
    assert protected == f"**`{NITROMETHANE}`**"
    assert markup(protected) == {"strong"} and shown(protected) == NITROMETHANE


@pytest.mark.parametrize(
    ("token", "expected"),
    [(NITROMETHANE, True), (POLYSTYRENE, True), (ESTERIFICATION, True), ("[1]", False), ("*", False), ("(C)", False)],
)
def test_is_smiles(token, expected):
    assert text.is_smiles(token) is expected


def test_a_quoted_smiles_in_the_offline_models_italic_note_stays_exact():
    note = f"*Input read: '{POLYSTYRENE}' as SMILES.*"  # what agents/answers.py writes under an answer
    protected = text.protect_chemistry(note)
    assert shown(protected) == f"Input read: '{POLYSTYRENE}' as SMILES."
    assert markup(protected) == {"em"}


def test_a_smiles_at_the_end_of_an_italic_example_keeps_the_italics():
    example = "*Tell me about CC(=O)Nc1ccc(O)cc1* or *What is aspirin?*"
    protected = text.protect_chemistry(example)
    assert protected == "*Tell me about `CC(=O)Nc1ccc(O)cc1`* or *What is aspirin?*"
    assert shown(protected) == "Tell me about CC(=O)Nc1ccc(O)cc1 or What is aspirin?"
