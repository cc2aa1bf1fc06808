"""Exports worth printing, from a session built with the real tools: RDKit analysis, property models, the
retrosynthesis planner and a small literature library (a Markdown paper with sections, a two-page PDF), answered
by the offline answer templates. The PDF is read back with poppler (pdftotext, pdfinfo, pdfimages) as a reader's
tools would; the Markdown is rendered with markdown-it as a Markdown viewer would."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from agents import answers
from agents.synthesis_tool import plan_synthesis
from agents.tool_context import ToolContext
from agents.toolkit import molecule_info, predict_properties, search_literature
from app.services import accounts, export, sessions
from tools.literature import ingest_paths

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pdftotext", "pdfinfo", "pdfimages")),
    reason="poppler-utils (pdftotext, pdfinfo, pdfimages) is not installed",
)
PASSWORD = "correct horse battery"
TITLE = "Polystyrene, paracetamol and gold colloids"
POLYSTYRENE = "*CC(*)c1ccccc1"
GOLD = """# Citrate synthesis of gold nanoparticles

## Methods

Gold nanoparticles were prepared by the Turkevich method: sodium citrate was added to boiling
tetrachloroauric acid solution under vigorous stirring.

## Results

The mean particle diameter measured by transmission electron microscopy was 13 nm with a narrow size
distribution. The colloid showed a surface plasmon resonance band at 520 nm.
"""
SILVER_PAGES = [
    "Silver nanoparticles by borohydride reduction\n\nSilver nitrate was reduced with sodium borohydride in ice-cold "
    "water to give yellow colloidal silver.",
    "The silver particles had a mean diameter of 8 nm and a plasmon band at 400 nm, measured by UV-vis "
    "spectroscopy after one day.",
]
QUESTIONS = {
    "molecule": f"Tell me about {POLYSTYRENE}",
    "predict": "Predict the solubility of paracetamol",
    "route": "How do I make paracetamol?",
    "literature": "What particle diameter and plasmon band did the gold and silver nanoparticles have?",
}


def silver_pdf(path: Path) -> Path:
    """A two-page paper as a real PDF (fpdf2), so the library records pages for it."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title("Silver nanoparticles by borohydride reduction")
    pdf.set_font("helvetica", size=12)
    for text in SILVER_PAGES:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    pdf.output(str(path))
    return path


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, dict[str, Any]]]:
    """One real result per tool, as the agent's tools return them (computed once per module: the planner and the
    embedder take seconds to load)."""
    folder = tmp_path_factory.mktemp("library")
    (folder / "gold.md").write_text(GOLD)
    ctx = ToolContext(milvus_uri=str(folder / "milvus.db"), synthesis_time_limit_s=10)
    try:
        ingest_paths(ctx.literature_store(), [folder / "gold.md", silver_pdf(folder / "silver.pdf")])
        out = {
            "molecule": ("molecule_info", molecule_info(POLYSTYRENE)),
            "predict": ("predict_properties", predict_properties("paracetamol")),
            "route": ("plan_synthesis", plan_synthesis("paracetamol", ctx)),
            "literature": ("search_literature", search_literature(QUESTIONS["literature"], ctx)),
        }
    finally:
        ctx.close()
    assert out["route"][1].get("routes"), out["route"][1]  # the planner found routes to paracetamol
    assert {c["paged"] for c in out["literature"][1]["citations"]} == {True, False}, out["literature"][1]
    return out


def artifacts(name: str, result: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """The artifacts a chat turn stores for a tool result (as app.services.chat does)."""
    if name == "molecule_info":
        return [("molecule", f"{result['input']} ({result['formula']})", result)]
    if name == "predict_properties":
        return [("table", f"Predicted properties of {result['query']}", result)]
    if name == "plan_synthesis":
        return [("route", f"Routes to {result['target']}", result)]
    return [("citation", f"[{c['n']}] {c['title']}", c) for c in result["citations"]]


@pytest.fixture
def session(sqlite_db, results):
    """A four-turn session stored as chat stores it; the answers are the offline templates' Markdown."""
    alice = accounts.create_user("alice", PASSWORD)
    info = sessions.create_session(alice, TITLE)
    for key, question in QUESTIONS.items():
        name, result = results[key]
        sessions.add_message(alice, info.id, "user", question)
        answer = sessions.add_message(
            alice,
            info.id,
            "assistant",
            answers.compose(question, [(name, result)]),
            model="offline (no language model connected)",
            tool_calls=[{"id": key, "name": name, "args": {"q": question}, "result": result, "duration_s": 0.5}],
        )
        for kind, title, payload in artifacts(name, result):
            sessions.add_artifact(alice, info.id, kind, payload, title=title, message_id=answer.id)
    return alice, info


def poppler(*command: str | Path) -> str:
    return subprocess.run([str(c) for c in command], check=True, capture_output=True, text=True, timeout=60).stdout


@pytest.fixture
def printed(session, tmp_path) -> tuple[Path, list[str]]:
    """The PDF export on disk and the text of each of its pages (pdftotext)."""
    alice, info = session
    path = tmp_path / "session.pdf"
    path.write_bytes(export.to_pdf(alice, info.id))
    return path, poppler("pdftotext", "-layout", path, "-").split("\f")[:-1]


def test_pdf_prints_tables_and_emphasis_not_markdown_source(printed):
    _, pages = printed
    text = "\n".join(pages)
    assert "|---|" not in text and "---|" not in text
    assert "**" not in text.replace(f"{POLYSTYRENE}", "")
    assert not re.search(r"^\s*\|.*\|\s*$", text, re.MULTILINE), "a Markdown table row was printed as text"
    assert re.search(r"molecular weight\s+104\.152\s+g/mol", text), "the descriptor table lost its columns"


def test_pdf_prints_smiles_exactly(printed):
    text = "\n".join(printed[1])
    assert POLYSTYRENE in text  # its stars are atoms, not emphasis
    assert "CC(=O)Nc1ccc(O)cc1" in text


def test_pdf_has_a_title_page_and_numbered_pages(printed):
    path, pages = printed
    total = int(re.search(r"Pages:\s+(\d+)", poppler("pdfinfo", path)).group(1))
    cover = " ".join(pages[0].split())
    assert TITLE in cover and "Owner alice" in cover and "chemassist version 0.1.0" in cover
    assert len(pages) == total > 2
    for number, page in enumerate(pages[1:], 2):
        assert f"Page {number} of {total}" in page
    assert "Page 1 of" not in pages[0]


def test_pdf_draws_each_molecule_and_route_step(printed, results):
    path, _ = printed
    images = poppler("pdfimages", "-list", path).splitlines()[2:]  # two header lines
    routes = results["route"][1]["routes"][:3]
    steps = sum(len(route["steps"]) for route in routes)
    # the polystyrene unit, paracetamol beside its predictions, and one reaction drawing per shown step
    assert len(images) == 2 + steps


def test_pdf_bibliography_lists_each_cited_document_with_pages_or_sections(printed, results):
    _, pages = printed
    text = " ".join(" ".join(pages).split())
    bibliography = text[text.rindex("Bibliography") :]
    for citation in results["literature"][1]["citations"]:
        # the PDF paper is cited by page, the Markdown paper (no pages) by section
        where = r"pages? \d" if citation["paged"] else r"section “(Methods|Results)”"
        assert re.search(re.escape(f"(document {citation['document_id']}), ") + where, bibliography), bibliography
    assert "Citrate synthesis of gold nanoparticles" in bibliography


def test_markdown_export_shows_smiles_in_code_spans(session):
    alice, info = session
    html = MarkdownIt("commonmark").enable("table").render(export.to_markdown(alice, info.id))
    assert f"<code>{POLYSTYRENE}</code>" in html
    assert "<code>CC(=O)Nc1ccc(O)cc1</code>" in html
    assert "CC()c1ccccc1" not in html  # what Markdown makes of the stars when they are not in code
    assert "<td>|---|</td>" not in html and "<table>" in html
