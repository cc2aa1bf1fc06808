"""`chemassist library ingest/search/list/delete` and `chemassist ask` through Typer's test runner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli.library import cli
from app.services import library as service
from app.settings import reset_settings_cache


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, corpus: Path, embedder) -> Iterator[Path]:
    """A data dir whose library holds the test corpus (ingested once through the CLI)."""
    path = tmp_path_factory.mktemp("data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CHEMASSIST_DATA_DIR", str(path))
        reset_settings_cache()
        result = CliRunner().invoke(cli, ["ingest", str(corpus / "gold.md"), str(corpus / "arxiv.jsonl")])
        assert result.exit_code == 0, result.output
        yield path
    reset_settings_cache()
    service.close_stores()


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout


def test_ingest_reports_what_it_did(data_dir: Path, corpus: Path) -> None:
    code, out = run("ingest", str(corpus / "gold.md"), "--json")
    report = json.loads(out)

    assert code == 0
    assert report["added"] == [] and len(report["skipped"]) == 1  # already ingested by the fixture
    assert (data_dir / "milvus.db").exists()


def test_search_json_gives_passages_with_their_document_and_page(data_dir: Path) -> None:
    code, out = run("search", "magnetic order Cs2AgF4 muon", "--k", "2", "--json")
    hits = json.loads(out)

    assert code == 0 and len(hits) == 2
    assert hits[0]["document_id"] == "arxiv:0704.0604"
    assert {"document_id", "title", "content", "page", "score"} <= hits[0].keys()


def test_ask_json_cites_the_passage(data_dir: Path) -> None:
    code, out = run("ask", "What was the mean diameter of the citrate gold nanoparticles?", "--json")
    result = json.loads(out)

    assert code == 0 and result["insufficient_evidence"] is False
    assert "13 nm" in result["answer"]
    assert {"n", "document_id", "title", "page", "passage"} <= result["citations"][0].keys()


def test_ask_without_evidence_says_so(data_dir: Path) -> None:
    code, out = run("ask", "Which team won the 1998 football world cup?", "--json")

    assert code == 0 and json.loads(out) == {
        "answer": "The library does not contain enough evidence to answer this question.",
        "citations": [],
        "insufficient_evidence": True,
        "mode": "extractive",
    }


def test_bad_file_gives_one_clear_error_line(data_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "notes.docx"
    bad.write_bytes(b"PK")

    result = CliRunner().invoke(cli, ["ingest", str(bad)])

    assert result.exit_code == 1
    assert "unsupported file type '.docx'" in result.stderr and "Traceback" not in result.output


def test_list_and_delete(data_dir: Path) -> None:
    code, out = run("list", "--json")
    ids = [d["document_id"] for d in json.loads(out)]
    assert code == 0 and "arxiv:0704.0119" in ids

    code, _ = run("delete", "arxiv:0704.0119", "--yes")
    _, out = run("list", "--json")

    assert code == 0 and "arxiv:0704.0119" not in [d["document_id"] for d in json.loads(out)]


@pytest.mark.parametrize("k", ["100000", "0"])
def test_ask_refuses_an_absurd_number_of_passages(data_dir: Path, k: str) -> None:
    result = CliRunner().invoke(cli, ["ask", "What was the mean diameter of the gold nanoparticles?", "--k", k])

    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"k (passages to read for the answer) must be between 1 and 50; got {k}." in result.stderr


def test_a_bad_record_is_named_and_the_good_ones_go_in(data_dir: Path, tmp_path: Path) -> None:
    refs = tmp_path / "refs.bib"
    refs.write_text(
        "@article{good2021, title={Copper azide-alkyne cycloaddition in water}, doi={10.1000/cuaac.1}}\n"
        "@article{smith2020, author={Smith, J}, year={2020}}\n"
    )

    result = CliRunner().invoke(cli, ["ingest", str(refs)])

    assert result.exit_code == 0 and "Added 1," in result.stdout
    assert "refs.bib record 2 (key smith2020): no title" in " ".join(result.stderr.split())
