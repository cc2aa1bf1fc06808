"""`chemassist library`: ingest papers, search, list and delete documents; `ask` answers with citations;
`repair` removes what interrupted writes left behind (for a Milvus server; a Milvus Lite file repairs itself
when it opens).

The CLI is the trusted operator at the server's shell: it calls the library service's operator functions.
`ask` is also a plain function so the top-level `chemassist ask` can be registered from it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from app.cli.common import console, err_console, friendly_errors, print_json
from app.services import library as service
from tools.literature import SearchFilters
from tools.literature.ingest import EMBED_GROUP_CHUNKS
from tools.literature.retrieval import Mode

cli = typer.Typer(help="The literature library: ingest papers (PDF, text, BibTeX, RIS, JSONL), search, ask.")

URI_HELP = "Milvus URI: a Milvus Lite file or http://host:19530 (default: settings, <data_dir>/milvus.db)."


def _filters(
    year_from: int | None,
    year_to: int | None,
    source: list[str] | None,
    tag: list[str] | None,
    user: str | None,
) -> SearchFilters:
    return SearchFilters(year_from=year_from, year_to=year_to, sources=source or None, tags=tag or None, viewer=user)


@dataclass
class IngestProgress:
    """One line of ingest progress: the step's message (documents done), passages done/total, passages/s and
    the time left, measured from the start of indexing in this run (documents already stored cost nothing)."""

    started: float | None = None
    base: int = 0

    def line(self, done: int, total: int, message: str) -> str:
        if message.startswith("reading"):
            return message
        now = time.monotonic()
        if self.started is None or done < self.base:
            self.started, self.base = now, done
        rate = (done - self.base) / (now - self.started) if done > self.base and now > self.started else 0.0
        eta = _duration((total - done) / rate) if rate else "--"
        speed = f"{rate:.1f} passages/s" if rate else "-- passages/s"
        return f"{message}; {done}/{total} passages; {speed}; ETA {eta}"


def _duration(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


@cli.command()
@friendly_errors
def ingest(
    paths: list[Path] = typer.Argument(..., help="Files or folders (PDF, .txt, .md, .bib, .ris, .jsonl, .json)."),
    uri: str | None = typer.Option(None, "--uri", help=URI_HELP),
    tag: list[str] = typer.Option([], "--tag", help="Tag every ingested document (repeatable)."),
    owner: str | None = typer.Option(None, "--owner", help="Username that owns the documents."),
    private: bool = typer.Option(False, "--private", help="Only the owner may see the documents."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    group_passages: int = typer.Option(
        EMBED_GROUP_CHUNKS,
        "--group-passages",
        min=1,
        help="Passages embedded together before their documents are stored (what an interrupted run loses).",
    ),
) -> None:
    """Read, chunk, embed and store papers, with progress (documents, passages, passages/s, time left).

    Unchanged documents already in the library are skipped (content hash), so an interrupted ingest resumes
    where it stopped when run again; a document is searchable only once all its passages are stored."""
    if private and not owner:
        raise typer.BadParameter("--private needs --owner")
    tracker = IngestProgress()
    live = err_console.is_terminal and not as_json
    try:
        with Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=err_console,
            disable=not live,
        ) as bar:
            task = bar.add_task("reading", total=None)

            def progress(done: int, total: int, message: str) -> None:
                line = tracker.line(done, total, message)
                if live:
                    bar.update(task, completed=done, total=total or None, description=line)
                elif not as_json:  # a log file or a pipe: one plain line per step
                    err_console.print(line, highlight=False, soft_wrap=True)

            report = service.ingest_files(
                [str(p) for p in paths],
                owner=owner,
                private=private,
                tags=tag,
                progress=progress,
                uri=uri,
                group_chunks=group_passages,
            )
    finally:
        service.close_stores()
    if as_json:
        print_json(report.model_dump())
    else:
        console.print(
            f"Added {len(report.added)}, updated {len(report.updated)}, already stored {len(report.skipped)} "
            f"documents ({report.chunks} passages) in {report.seconds:.1f} s."
        )
    for path, reason in report.failed.items():
        err_console.print(f"[yellow]Skipped[/] {path}: {reason}", highlight=False)


@cli.command()
@friendly_errors
def search(
    query: str = typer.Argument(..., help="What to look for (words, formulas, a question)."),
    k: int = typer.Option(10, "--k", help=f"How many passages (1 to {service.MAX_SEARCH_K})."),
    mode: str = typer.Option("hybrid", "--mode", help="hybrid (dense + BM25), dense or keyword."),
    year_from: int | None = typer.Option(None, "--year-from", help="Only documents from this year on."),
    year_to: int | None = typer.Option(None, "--year-to", help="Only documents up to this year."),
    source: list[str] | None = typer.Option(None, "--source", help="Source contains this (repeatable)."),
    tag: list[str] | None = typer.Option(None, "--tag", help="Document has this tag (repeatable)."),
    user: str | None = typer.Option(None, "--user", help="Also search this user's private documents."),
    uri: str | None = typer.Option(None, "--uri", help=URI_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print hits as JSON."),
) -> None:
    """Search the library; each hit is a passage with its document, page and score."""
    if mode not in ("hybrid", "dense", "keyword"):
        raise typer.BadParameter("--mode must be hybrid, dense or keyword")
    try:
        hits = service.search(
            query,
            k=k,
            filters=_filters(year_from, year_to, source, tag, user),
            mode=cast(Mode, mode),
            uri=uri,
        )
    finally:
        service.close_stores()
    if as_json:
        print_json([h.model_dump() for h in hits])
        return
    if not hits:
        console.print("No passages found.")
        return
    table = Table("#", "score", "document", "where", "passage", show_lines=True)
    for i, h in enumerate(hits, start=1):
        text = " ".join(h.content.split())
        table.add_row(
            str(i),
            f"{h.score:.3f}",
            f"{h.title}\n[dim]{h.document_id}[/]",
            h.location,
            text[:300] + ("…" if len(text) > 300 else ""),
        )
    console.print(table)


@friendly_errors
def ask(
    question: str = typer.Argument(..., help="A question about the papers in the library."),
    k: int = typer.Option(6, "--k", help=f"How many passages to consider (1 to {service.MAX_ASK_K})."),
    user: str | None = typer.Option(None, "--user", help="Also use this user's private documents."),
    uri: str | None = typer.Option(None, "--uri", help=URI_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print {answer, citations, insufficient_evidence}."),
) -> None:
    """Answer from the library with numbered citations (offline: quoted passages)."""
    try:
        result = service.ask(question, k=k, filters=SearchFilters(viewer=user), uri=uri)
    finally:
        service.close_stores()
    if as_json:
        print_json(
            {
                "answer": result.answer,
                "citations": [
                    {
                        "n": c.n,
                        "document_id": c.document_id,
                        "title": c.title,
                        "page": c.page,
                        "passage": c.passage,
                        "char_start": c.char_start,
                        "char_end": c.char_end,
                    }
                    for c in result.citations
                ],
                "insufficient_evidence": result.insufficient_evidence,
                "mode": result.mode,
            }
        )
        return
    console.print(result.answer, highlight=False)
    for c in result.citations:
        console.print(
            f"[bold][{c.n}][/] {c.title} ({c.document_id}), {c.location}, characters {c.char_start}-{c.char_end}",
            highlight=False,
        )
    if result.mode == "extractive" and not result.insufficient_evidence:
        console.print("[dim]No language model connected: the answer quotes the library's passages.[/]")


cli.command("ask")(ask)


@cli.command("list")
@friendly_errors
def list_cmd(
    user: str | None = typer.Option(None, "--user", help="Also list this user's private documents."),
    uri: str | None = typer.Option(None, "--uri", help=URI_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print documents as JSON."),
) -> None:
    """List the documents in the library, newest first."""
    try:
        docs = service.list_documents(SearchFilters(viewer=user), uri=uri)
    finally:
        service.close_stores()
    if as_json:
        print_json([d.model_dump(exclude={"abstract"}) for d in docs])
        return
    table = Table("document", "title", "year", "passages", "source")
    for d in docs:
        table.add_row(d.document_id, d.title[:80], str(d.year or ""), str(d.n_chunks), d.source[:40])
    console.print(table)
    console.print(f"{len(docs)} documents.")


@cli.command()
@friendly_errors
def delete(
    document_id: str = typer.Argument(..., help="Document id as shown by `library list`."),
    uri: str | None = typer.Option(None, "--uri", help=URI_HELP),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Delete a document and all its passages."""
    if not yes:
        typer.confirm(f"Delete {document_id} and its passages?", abort=True)
    try:
        service.delete_document(document_id, uri=uri)
    finally:
        service.close_stores()
    console.print(f"Deleted {document_id}.")


@cli.command()
@friendly_errors
def repair(
    uri: str | None = typer.Option(None, "--uri", help=URI_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Delete passages an interrupted ingest or delete left behind.

    Passages without their document row, or of a replaced version. A Milvus Lite library does this by itself
    when it opens; on a Milvus server run it while no ingest is in progress (a document being written would
    look the same)."""
    try:
        report = service.repair_library(uri=uri)
    finally:
        service.close_stores()
    if as_json:
        print_json(report.model_dump())
        return
    if report.passages_removed:
        console.print(
            f"Removed {report.passages_removed} leftover passages of {report.documents_affected} documents "
            f"({report.documents_checked} documents checked, {report.seconds:.1f} s)."
        )
    else:
        console.print(f"Nothing to repair: {report.documents_checked} documents checked ({report.seconds:.1f} s).")


@cli.command()
@friendly_errors
def info(
    uri: str | None = typer.Option(None, "--uri", help=URI_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """The embedding model the library was built with (name, dimension, probe digest) and whether the
    configured embedder gives the same vectors."""
    try:
        status = service.embedding_status(uri=uri)
    finally:
        service.close_stores()
    fp = status.library
    if as_json:
        print_json(
            {
                "library": None
                if fp is None
                else {
                    "model": fp.model,
                    "dim": fp.dim,
                    "backend": fp.backend,
                    "digest": fp.digest,
                    "created": fp.created,
                },
                "configured": status.configured,
                "matches": status.problem is None,
                "problem": status.problem,
            }
        )
    else:
        recorded = (
            fp.describe() + f", recorded {fp.created}" if fp else "not recorded yet (recorded at the first ingest)"
        )
        console.print(f"Library embeddings: {recorded}", highlight=False)
        console.print(f"Configured embedder: {status.configured}", highlight=False)
        if status.problem:
            err_console.print(f"[bold red]Mismatch:[/] {status.problem}", highlight=False)
    if status.problem:
        raise typer.Exit(1)


@cli.command()
@friendly_errors
def demo(uri: str | None = typer.Option(None, "--uri", help=URI_HELP)) -> None:
    """Ingest the bundled demo library (265 open paper records, 8 full texts, 1 PDF) if it is empty."""
    try:
        report = service.ensure_demo_library(uri=uri)
    finally:
        service.close_stores()
    if report is None:
        console.print("The library already has documents; demo not ingested.")
    else:
        console.print(f"Demo library: {len(report.added)} documents, {report.chunks} passages.")
