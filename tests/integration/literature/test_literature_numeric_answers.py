"""Offline answers quote the sentence that carries the asked quantity, search hits are clean text without
back matter and with at most three passages per paper (issue 20), on a real Milvus Lite library holding a
demo full text (the furfural paper) and uploaded Markdown."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from agents.literature import ask_library
from tools.literature import DEMO_DIR, Embedder, LiteratureStore, Retriever, answer, ingest_paths

FURFURAL = "doi:10.26434/chemrxiv-2025-7bwqn"

LEVULINIC = """# Levulinic acid from cellulose over acidic ionic liquids

## Introduction

Levulinic acid is a platform chemical made from cellulose, and levulinic acid yields depend on the acid used.

## Results

Levulinic acid yields over the different catalysts are shown in Figure 3. The best levulinic acid yield,
41.2 mol%, was obtained with [C3SO3Hmim]HSO4 at 160 °C after 2 h. Humins formed at longer reaction times.

## Acknowledgements

We thank the National Science Foundation for funding and J. Smith for levulinic acid samples.

## References

1. Girisuta, B.; Janssen, L.; Heeres, H. J. Green Chem. 2006, 8, 701-709.
2. Rackemann, D. W.; Doherty, W. O. S. Biofuels, Bioprod. Bioref. 2011, 5, 198-214.
3. Chang, C.; Cen, P.; Ma, X. Bioresour. Technol. 2007, 98, 1448-1453.
4. Weingarten, R.; Conner, W. C.; Huber, G. W. Energy Environ. Sci. 2012, 5, 7559-7574.
"""

GOLD = """# Citrate synthesis of gold nanoparticles

## Results

The mean particle diameter measured by transmission electron microscopy was 13 nm. The furfural yield of
the reference reaction is not reported here.
"""


@pytest.fixture(scope="module")
def numeric_library(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiteratureStore]:
    root = tmp_path_factory.mktemp("numeric")
    record = next(
        json.loads(line)
        for line in (DEMO_DIR / "records.jsonl").read_text(encoding="utf-8").splitlines()
        if json.loads(line)["id"] == FURFURAL
    )
    (root / "fulltext").mkdir()
    shutil.copy(DEMO_DIR / record["fulltext_path"], root / record["fulltext_path"])
    (root / "furfural.jsonl").write_text(json.dumps(record))
    (root / "levulinic.md").write_text(LEVULINIC)
    (root / "gold.md").write_text(GOLD)
    store = LiteratureStore(tmp_path_factory.mktemp("milvus") / "numeric.db")
    # The record file names its full text; the full text itself is not a document of its own.
    report = ingest_paths(store, [root / "furfural.jsonl", root / "levulinic.md", root / "gold.md"], embedder=embedder)
    assert not report.failed, report.failed
    yield store
    store.close()


def test_the_furfural_answer_quotes_the_yield_range(numeric_library: LiteratureStore, embedder: Embedder) -> None:
    result = answer("What furfural yields were obtained from bagasse?", Retriever(numeric_library, embedder))

    first_quote = result.answer.split("”")[0]
    assert "7.5% to 10%" in first_quote, result.answer
    assert result.citations[0].document_id == FURFURAL


def test_the_levulinic_acid_answer_carries_41_2_mol_percent(
    numeric_library: LiteratureStore, embedder: Embedder
) -> None:
    result = answer("What was the best yield of levulinic acid?", Retriever(numeric_library, embedder))

    assert "41.2 mol%" in result.answer.split("”")[0], result.answer
    assert "shown in Figure 3" not in result.answer


def test_the_agent_literature_tool_answers_with_the_number(
    numeric_library: LiteratureStore, embedder: Embedder
) -> None:
    result = ask_library("What furfural yields were obtained from bagasse?", Retriever(numeric_library, embedder))

    assert "7.5% to 10%" in result.answer and result.citations[0].document_id == FURFURAL


def test_hits_are_readable_text(numeric_library: LiteratureStore, embedder: Embedder) -> None:
    hits = Retriever(numeric_library, embedder).search("percentage yield of furfural table and formula", k=10)
    text = "\n".join(h.content for h in hits)

    assert "Percentage Yield = ( (Mass of Furfural Obtained)/(Mass of Raw Material) ) × 100" in text
    assert not any(mark in text for mark in ("|---", "| ", "\\text", "\\[", "**", "\\*"))


def test_no_paper_takes_more_than_three_of_the_top_hits(numeric_library: LiteratureStore, embedder: Embedder) -> None:
    hits = Retriever(numeric_library, embedder).search("furfural yield", k=5)

    assert len(hits) == 5
    assert sum(h.document_id == FURFURAL for h in hits) == 3


def test_reference_lists_and_acknowledgements_are_no_hits_unless_asked(
    numeric_library: LiteratureStore, embedder: Embedder
) -> None:
    retriever = Retriever(numeric_library, embedder)

    plain = retriever.search("levulinic acid Girisuta Heeres Green Chem. 2006 National Science Foundation", k=10)
    asked = retriever.search("which references does the levulinic acid paper cite", k=10)

    assert all(h.section not in {"References", "Acknowledgements"} for h in plain)
    assert any(h.section == "References" for h in asked)


def test_text_passages_name_their_section_not_a_page(numeric_library: LiteratureStore, embedder: Embedder) -> None:
    hit = Retriever(numeric_library, embedder).search("levulinic acid yield 41.2 mol%", k=1)[0]

    assert not hit.paged and hit.location == "section “Results”"


def test_a_library_stored_before_issue_20_still_opens_and_searches(tmp_path: Path, embedder: Embedder) -> None:
    (tmp_path / "gold.md").write_text(GOLD)
    with LiteratureStore(tmp_path / "old.db") as store:
        ingest_paths(store, [tmp_path / "gold.md"], embedder=embedder)
        fields = ["id", "document_id", "title", "content", "embedding", "source", "date_published", "year"]
        fields += ["metadata", "page", "char_start", "char_end", "tags", "visibility", "owner"]
        rows = store.client.query(store.chunks_name, filter='document_id != ""', output_fields=fields)
        for row in rows:  # as written before passages recorded whether their document has pages
            del row["metadata"]["paged"]
        store.client.upsert(store.chunks_name, rows)

    with LiteratureStore(tmp_path / "old.db") as reopened:
        hit = Retriever(reopened, embedder).search("gold nanoparticle diameter", k=1)[0]

    assert "13 nm" in hit.content and not hit.paged and hit.location == "section “Results”"
