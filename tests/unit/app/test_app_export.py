"""Session export (Markdown, PDF, JSON) and JSON import, as a chemist moving a session between installations."""

import json
import shutil
import subprocess

import pytest

from app.errors import NotFound, ValidationFailed
from app.services import accounts, export, feedback, molecules, sessions
from tests.fixtures import tool_results

PASSWORD = "correct horse battery"
PARACETAMOL = "CC(=O)Nc1ccc(O)cc1"


def citation(n, document_id, title, page):
    return {
        "n": n,
        "document_id": document_id,
        "title": title,
        "page": page,
        "passage": f"Paracetamol is made by acetylation of 4-aminophenol (passage {n}).",
        "char_start": 100 * n,
        "char_end": 100 * n + 60,
    }


# Real tool results (tests/fixtures/tool_results, built from the real tools by its build.py), stored as chat stores
# them.
ROUTE = tool_results.result("route_paracetamol")
PREDICTIONS = tool_results.result("prediction_paracetamol")


def make_session(owner):
    """A session with a question, an answer with tool calls, a molecule, a property table, a route and citations."""
    info = sessions.create_session(owner, "Paracetamol: properties, route and literature")
    sessions.add_message(owner, info.id, "user", "Tell me about paracetamol (CC(=O)Nc1ccc(O)cc1) — Tg? ±?")
    tool_calls = [
        {"id": "c1", "name": "molecule_info", "args": {"query": "paracetamol"}, "result": {"ok": 1}, "duration_s": 0.1},
        {"id": "c2", "name": "plan_synthesis", "args": {"target": PARACETAMOL}, "result": {}, "duration_s": 2.5},
        {"id": "c3", "name": "search_literature", "args": {"question": "How?"}, "result": {"error": "x"}},
    ]
    answer = sessions.add_message(
        owner,
        info.id,
        "assistant",
        "Paracetamol (C8H9NO2) is made from 4-aminophenol [1][2]; see also [3].",
        model="chem-lora (chemistry)",
        tool_calls=tool_calls,
    )
    add = sessions.add_artifact
    molecule = molecules.artifact_payload(molecules.analyse(PARACETAMOL))
    add(owner, info.id, "molecule", molecule, title="paracetamol (C8H9NO2)", message_id=answer.id)
    add(owner, info.id, "table", PREDICTIONS, title="Predicted properties of paracetamol", message_id=answer.id)
    add(owner, info.id, "route", ROUTE, title=f"Routes to {PARACETAMOL}", message_id=answer.id)
    for c in (citation(1, "doc-a", "Acetaminophen synthesis", 3), citation(2, "doc-a", "Acetaminophen synthesis", 7)):
        add(owner, info.id, "citation", c, title=f"[{c['n']}] {c['title']}", message_id=answer.id)
    add(owner, info.id, "citation", citation(3, "doc-b", "Analgesics review", 12), message_id=answer.id)
    return info, answer


@pytest.fixture
def alice(db_url):
    return accounts.create_user("alice", PASSWORD)


@pytest.fixture
def alice_sqlite(sqlite_db):
    return accounts.create_user("alice", PASSWORD)


def comparable(document):
    """The export without what a new copy is allowed to change: timestamps of export and session, feedback."""
    out = {k: v for k, v in document.items() if k not in ("exported_at", "checksum", "signature", "feedback")}
    out["session"] = {k: v for k, v in document["session"].items() if k not in ("created_at", "updated_at")}
    return out


def test_json_round_trip_is_exact_on_both_databases(alice):
    info, answer = make_session(alice)
    feedback.give_feedback(alice, answer.id, 1, "good", None)
    first = json.loads(export.to_json(alice, info.id))
    assert [f["rating"] for f in first["feedback"]] == [1]

    result = export.import_session(alice, json.dumps(first))
    assert result.session.id != info.id and (result.messages, result.artifacts) == (2, 6)
    again = json.loads(export.to_json(alice, result.session.id))

    assert again["session"]["title"] == sessions.imported_title(first["session"]["title"])
    again["session"]["title"] = first["session"]["title"]
    assert comparable(again) == comparable(first)
    assert again["feedback"] == []  # feedback stays with the installation that reviewed it
    titles = [s.title for s in sessions.list_sessions(alice)]
    assert titles.count(info.title) == 1 and titles.count(sessions.imported_title(info.title)) == 1


def test_import_links_artifacts_to_the_restored_answer(alice):
    info, _ = make_session(alice)
    copy = export.import_session(alice, export.to_json(alice, info.id)).session
    messages = sessions.list_messages(alice, copy.id)
    assert {a.message_id for a in sessions.list_artifacts(alice, copy.id)} == {messages[1].id}


def tampered(document, **changes):
    return json.dumps({**document, **changes})


def test_bad_imports_are_refused_with_a_clear_message_and_nothing_is_created(alice_sqlite):
    alice = alice_sqlite
    info, _ = make_session(alice)
    good = json.loads(export.to_json(alice, info.id))
    newer = export.seal({**good, "version": 7})
    edited = json.loads(json.dumps(good))
    edited["messages"][0]["content"] = "something else"
    cases = {
        b"%PDF-1.7 not json": "not JSON",
        json.dumps({"hello": 1}): "not a chemassist session export",
        json.dumps(newer): "exported by a newer chemassist (version 7); upgrade first",
        json.dumps(edited): "the file was modified after export",
        tampered(good, checksum=None): "the file was modified after export",
    }
    for data, message in cases.items():
        with pytest.raises(ValidationFailed, match=message.replace("(", r"\(").replace(")", r"\)")):
            export.import_session(alice, data)
    assert len(sessions.list_sessions(alice)) == 1


def test_a_file_over_50_mb_is_refused_before_parsing(alice_sqlite):
    with pytest.raises(ValidationFailed, match="too large"):
        export.import_session(alice_sqlite, b" " * (export.MAX_IMPORT_BYTES + 1))


def test_a_wrong_message_reference_is_refused_even_with_a_fresh_checksum(alice_sqlite):
    info, _ = make_session(alice_sqlite)
    document = json.loads(export.to_json(alice_sqlite, info.id))
    document["artifacts"][0]["message"] = 99
    export.seal(document)  # as if this installation had exported it
    with pytest.raises(ValidationFailed, match="artifact 1 points at message 99"):
        export.import_session(alice_sqlite, json.dumps(document))


def test_others_cannot_export_but_a_reader_of_a_shared_session_can(alice_sqlite):
    bob = accounts.create_user("bob", PASSWORD)
    carol = accounts.create_user("carol", PASSWORD)
    info, _ = make_session(alice_sqlite)
    sessions.share_session(alice_sqlite, info.id, "bob")
    with pytest.raises(NotFound):
        export.to_json(carol, info.id)
    copy = export.import_session(bob, export.to_json(bob, info.id)).session
    assert copy.owner_username == "bob" and copy.can_edit


def test_markdown_has_the_conversation_molecule_table_route_and_a_deduplicated_bibliography(alice_sqlite):
    info, _ = make_session(alice_sqlite)
    md = export.to_markdown(alice_sqlite, info.id)
    assert md.startswith("# Paracetamol: properties, route and literature\n")
    for expected in [
        "## 1. Question",
        "### Answer (chem-lora (chemistry)",
        "molecule\\_info(query='paracetamol'), 0.10 s: ok",  # escaped: shows as molecule_info
        "search\\_literature(question='How?'): error: x",
        "| Formula | C8H9NO2 |",
        "| SMILES | `CC(=O)Nc1ccc(O)cc1` |",
        "| Molecular weight | 151.165 | g/mol |",  # the label every renderer uses (tools.chem.quantities)
        "| Aqueous solubility logS (ESOL) | -1.1177 | \\[-1.6958, -0.5395\\] (90%) | log10(mol/L) | in domain |",
        "| tg | error: Polymer glass transition temperature Tg (Bicerano) needs a polymer repeat unit",
        # the route's and the step's facts in the words of the chat card and the Synthesis page (tools.results)
        "**Route 1: 1 step · longest linear sequence 1 · linear · solved · score 0.390 · 2 of 2 starting materials "
        "in stock**",
        "1. `CC(=O)OC(C)=O` + `Nc1ccc(O)cc1` → `CC(=O)Nc1ccc(O)cc1` (reaction class: acylation and related processes "
        "(class 2); score 0.430; template 127, from 40 training reactions; 3 precedent(s); precedent patents: "
        "US20040167155A1, US05852017, US05691384)",
        "*Starting materials: `CC(=O)OC(C)=O` (in stock · USPTO-50k stock); `Nc1ccc(O)cc1` (in stock · USPTO-50k",
        "## Bibliography\n\n1. Acetaminophen synthesis (document doc-a), pages 3, 7\n"
        "2. Analgesics review (document doc-b), page 12\n",
    ]:
        assert expected in md, expected


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) is not installed")
@pytest.mark.parametrize("fonts", ["dejavu", "core"])
def test_pdf_opens_in_poppler(alice_sqlite, tmp_path, fonts):
    info, _ = make_session(alice_sqlite)
    exported = export.load(alice_sqlite, info.id)
    font_dir = export.FONT_DIR if fonts == "dejavu" else tmp_path / "no-fonts"
    pdf = export.render_pdf(export.blocks(exported), title=info.title, font_dir=font_dir)
    assert pdf.startswith(b"%PDF")
    (tmp_path / "session.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "50", "session.pdf", "page"], cwd=tmp_path, check=True, timeout=60)
    assert sorted(p.name for p in tmp_path.glob("page-*.png"))[0] == "page-1.png"


def test_file_names_are_safe():
    info = sessions.SessionInfo(12, "Tg / logS: ‘screen’ #2", 1, "a", None, None, False, (), "owner")  # type: ignore[arg-type]
    assert export.filename(info, "md") == "tg-logs-screen-2-12.md"


def test_pdf_survives_odd_content_without_unicode_fonts(tmp_path):
    odd = [
        export.Heading("Émulsions 🚀 α-β", 1),
        export.Table(["SMILES", "note"], [["C" * 3000, "é" * 5000]]),
        export.Structure("not a SMILES"),
        export.Items(["[1] “quoted” → arrow"]),
    ]
    pdf = export.render_pdf(odd, font_dir=tmp_path / "no-fonts")
    assert pdf.startswith(b"%PDF") and b"%%EOF" in pdf[-64:]
