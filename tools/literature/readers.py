"""Read papers into `ParsedDocument`s: PDF (pypdf, per page), text/Markdown, BibTeX, RIS, JSONL, arXiv.

BibTeX and RIS are parsed by bibtexparser and rispy (tools/literature/bibliography.py): @string macros,
LaTeX accents and month macros are resolved there, as reference managers write them.

A file of records (BibTeX, RIS, JSON lines) is read record by record: a bad record is skipped and named by
its position and key ('record 3 (key smith2020): no title'), the good ones are kept; only a file without a
single good record fails, with the reasons.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from tools.literature.bibliography import parse_bibtex, parse_ris
from tools.literature.errors import DocumentUnreadable, FileTooLarge, UnsupportedFormat
from tools.literature.markup import clean_markup
from tools.literature.models import DocumentMeta, PageText, ParsedDocument

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
SUPPORTED_SUFFIXES = {".pdf", ".txt", ".md", ".markdown", ".bib", ".ris", ".jsonl", ".json"}
_DOI_RE = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)
# Fewer extractable characters per page than this means a scanned / image-only PDF.
_MIN_TEXT_CHARS_PER_PAGE = 20
# What a malformed record raises while it is turned into a document (pydantic's ValidationError is a ValueError).
_RECORD_ERRORS = (DocumentUnreadable, ValueError, TypeError, KeyError, AttributeError)
_MAX_REASONS = 5


@dataclass
class FileContents:
    """The documents read from one file, and the records of it that were skipped (each 'where: why')."""

    documents: list[ParsedDocument]
    skipped: list[str] = field(default_factory=list)


def content_hash(text: str) -> str:
    """sha256 of whitespace-normalised text: the same paper re-extracted hashes the same."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def normalise_doi(doi: str | None) -> str | None:
    if not doi:
        return None
    doi = doi.strip()
    doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", doi, flags=re.IGNORECASE)
    return doi.rstrip(".,;").lower() or None


def make_document_id(*, doi: str | None = None, arxiv_id: str | None = None, text: str = "") -> str:
    """Stable id: DOI first, then arXiv id, else a content hash (so duplicates collapse to one id)."""
    if doi := normalise_doi(doi):
        return f"doi:{doi}"
    if arxiv_id:
        return f"arxiv:{arxiv_id.strip()}"
    return f"sha256:{content_hash(text)[:24]}"


def _finish(meta: DocumentMeta, pages: list[PageText], paged: bool = True) -> ParsedDocument:
    full = "\n\n".join(p.text for p in pages)
    meta.content_hash = content_hash(full + "\x00" + meta.title)
    meta.n_pages = len(pages) if paged else None
    return ParsedDocument(meta=meta, pages=pages, paged=paged)


def clean_page(page: int, raw: str) -> PageText:
    """A page of readable text (Markdown, HTML and LaTeX turned into plain text, headings remembered)."""
    cleaned = clean_markup(raw)
    lead = len(cleaned.text) - len(cleaned.text.lstrip())
    text = cleaned.text.strip()
    return PageText(page=page, text=text, headings=[h - lead for h in cleaned.headings if 0 <= h - lead < len(text)])


# --- PDF -------------------------------------------------------------------------------------------


def read_pdf(path: Path) -> ParsedDocument:
    """One `PageText` per page (1-based). Encrypted, corrupt or image-only PDFs raise `DocumentUnreadable`."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                unlocked = bool(reader.decrypt(""))
            except Exception:  # noqa: BLE001 - pypdf raises several types for unsupported ciphers
                unlocked = False
            if not unlocked:
                raise DocumentUnreadable(
                    f"{path.name} is an encrypted PDF. Remove the password (e.g. save an unprotected copy) "
                    "and upload it again."
                )
        pages = [clean_page(i + 1, _clean_pdf_text(page.extract_text() or "")) for i, page in enumerate(reader.pages)]
        info = reader.metadata
        layout_title = _layout_title(reader.pages[0]) if reader.pages else ""
    except DocumentUnreadable:
        raise
    except (PdfReadError, ValueError, OSError, KeyError, TypeError) as exc:
        raise DocumentUnreadable(
            f"{path.name} is not a readable PDF ({exc}). Check that the file is complete."
        ) from exc
    if not pages:
        raise DocumentUnreadable(f"{path.name} has no pages.")
    n_chars = sum(len(p.text.strip()) for p in pages)
    if n_chars < _MIN_TEXT_CHARS_PER_PAGE * len(pages):
        raise DocumentUnreadable(
            f"{path.name} has no extractable text ({n_chars} characters on {len(pages)} pages): "
            "it looks scanned or image-only. Run OCR on it first (e.g. `ocrmypdf in.pdf out.pdf`) "
            "and upload the result."
        )
    first_text = pages[0].text
    meta_title = " ".join(str(info.title).split()) if info and info.title else ""
    title = (meta_title if _real_title(meta_title) else "") or layout_title or _first_paragraph(first_text) or path.stem
    doi_match = _DOI_RE.search(first_text)
    doi = normalise_doi(doi_match.group(1)) if doi_match else None
    authors = [a.strip() for a in re.split(r"[;,]| and ", str(info.author))] if info and info.author else []
    meta = DocumentMeta(
        document_id="",
        title=title,
        authors=[a for a in authors if a],
        doi=doi,
        source="PDF upload",
        filename=path.name,
    )
    doc = _finish(meta, pages)
    doc.meta.document_id = make_document_id(doi=doi, text="\n".join(p.text for p in pages))
    return doc


def _clean_pdf_text(text: str) -> str:
    # Re-join words hyphenated across line breaks; keep line structure for heading detection.
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
    return text.replace("\x00", "").strip()


def _real_title(title: str) -> bool:
    """Whether a PDF's metadata title names the paper, not the file or template it was made from
    ('duplicate_media_template', 'Microsoft Word - draft3.docx', 'untitled')."""
    t = title.strip()
    if len(t) < 4 or t.lower() in {"untitled", "title", "document", "manuscript", "article"}:
        return False
    if re.match(r"(?i)microsoft (word|powerpoint)\s*-|.*\.(docx?|pdf|tex|dvi|rtf|odt)$", t):
        return False
    return " " in t  # one token with underscores or dots is a file name


def _layout_title(page: Any) -> str:
    """The first page's title from its layout: the run of text set in the largest font near the top, joined
    across its line breaks. '' when no text stands out by size (then the first paragraph is used)."""
    pieces: list[tuple[str, float]] = []

    def visit(text: str, cm: Any, tm: Any, font_dict: Any, font_size: float) -> None:
        if text.strip():
            scale = (abs(float(tm[3])) or 1.0) * (abs(float(cm[3])) or 1.0)
            pieces.append((text, float(font_size or 0) * scale))

    try:
        page.extract_text(visitor_text=visit)
    except Exception:  # noqa: BLE001 - a layout we cannot read just means no layout title
        return ""
    chars: dict[float, int] = {}
    for text, size in pieces:
        if size > 0:
            chars[round(size, 1)] = chars.get(round(size, 1), 0) + len(text.strip())
    if not chars:
        return ""
    # The body's size is the one most characters are set in.
    biggest, typical = max(chars), max(chars, key=lambda size: chars[size])
    if biggest < 1.15 * typical:
        return ""
    run: list[str] = []
    for text, size in pieces[:40]:
        if size >= 0.95 * biggest:
            run.append(text)
        elif run:
            break
    title = " ".join(" ".join(run).split())
    return title[:300] if len(title) >= 3 else ""


def _first_paragraph(text: str) -> str:
    """The first line, joined with the lines that continue it (a title wrapped over two or three lines):
    lines up to a blank line, a sentence end or an author-like line, at most 250 characters."""
    lines = [ln.strip().lstrip("#").strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln] if lines else []
    if not lines:
        return ""
    title = lines[0]
    for nxt in lines[1:3]:
        if title.endswith((".", ":", "?", "!")) or len(title) + len(nxt) > 250:
            break
        # Authors ("A. Smith, B. Jones", "Jane Doe1*") and affiliations end a title.
        if re.search(r"\d\s*[,*]|[*†‡]|@|\b(university|department|institute)\b", nxt, re.IGNORECASE):
            break
        if nxt[:1].islower() or len(title) > 40:
            title = f"{title} {nxt}"
        else:
            break
    return title[:300]


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if len(line) >= 3:
            return line[:300]
    return ""


# --- text and Markdown ----------------------------------------------------------------------------


def read_text(path: Path) -> ParsedDocument:
    """A text or Markdown file is one page; the title is its first heading or line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentUnreadable(f"{path.name} is not UTF-8 text. Save it as UTF-8 and try again.") from exc
    text = text.replace("\r\n", "\n").strip()
    if len(text) < 20:
        raise DocumentUnreadable(f"{path.name} is empty or too short to index.")
    doi_match = _DOI_RE.search(text[:5000])
    doi = normalise_doi(doi_match.group(1)) if doi_match else None
    page = clean_page(1, text)
    meta = DocumentMeta(
        document_id="",
        title=_first_line(page.text) or path.stem,
        doi=doi,
        source="text upload",
        filename=path.name,
    )
    doc = _finish(meta, [page], paged=False)
    doc.meta.document_id = make_document_id(doi=doi, text=text)
    return doc


# --- metadata-only records --------------------------------------------------------------------------


def _record_document(
    *,
    title: str,
    abstract: str | None,
    authors: list[str],
    year: int | None,
    source: str,
    doi: str | None = None,
    arxiv_id: str | None = None,
    document_id: str | None = None,
    url: str | None = None,
    license: str | None = None,
    fulltext: str | None = None,
    tags: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> ParsedDocument:
    title = " ".join((title or "").split())
    if not title:
        raise DocumentUnreadable("no title")
    # The full text (when there is one) already opens with title and abstract.
    text = fulltext.strip() if fulltext else "\n\n".join(x for x in (title, (abstract or "").strip()) if x)
    meta = DocumentMeta(
        document_id=document_id or make_document_id(doi=doi, arxiv_id=arxiv_id, text=text),
        title=title,
        authors=authors,
        year=year,
        source=source,
        doi=normalise_doi(doi),
        url=url,
        license=license,
        abstract=(abstract or "").strip() or None,
        tags=tags or [],
        extra=extra or {},
    )
    return _finish(meta, [clean_page(1, text)], paged=False)


def _year(value: Any) -> int | None:
    m = re.search(r"(1[89]\d\d|20\d\d)", str(value or ""))
    return int(m.group(1)) if m else None


def _collect(path: Path, what: str, records: Iterable[tuple[str, Callable[[], ParsedDocument]]]) -> FileContents:
    """Documents of the records that read, and 'where: why' for those that did not; DocumentUnreadable with
    the reasons when none did."""
    docs: list[ParsedDocument] = []
    skipped: list[str] = []
    for where, read in records:
        try:
            docs.append(read())
        except _RECORD_ERRORS as exc:
            reason = " ".join(str(exc).split())
            skipped.append(f"{where}: {reason[:200] or type(exc).__name__}")
    if not docs:
        if not skipped:
            raise DocumentUnreadable(f"{path.name} contains no {what}.")
        more = f"; and {len(skipped) - _MAX_REASONS} more" if len(skipped) > _MAX_REASONS else ""
        raise DocumentUnreadable(f"{path.name} has no readable record: " + "; ".join(skipped[:_MAX_REASONS]) + more)
    return FileContents(docs, skipped)


def _bibtex_document(e: dict[str, Any], path: Path) -> ParsedDocument:
    if "ERROR" in e:
        raise DocumentUnreadable(e["ERROR"])
    arxiv = e.get("eprint") if str(e.get("archiveprefix", "")).lower() == "arxiv" else None
    extra: dict[str, Any] = {"bibtex_key": e["ID"], "entry_type": e["ENTRYTYPE"]}
    if isinstance(e.get("month"), int):
        extra["month"] = e["month"]
    return _record_document(
        title=e.get("title", ""),
        abstract=e.get("abstract"),
        authors=list(e.get("author", [])),
        year=_year(e.get("year")),
        source=e.get("journal") or e.get("booktitle") or f"BibTeX ({path.name})",
        doi=e.get("doi"),
        arxiv_id=arxiv,
        url=e.get("url"),
        tags=[k.strip() for k in str(e.get("keywords", "")).replace(";", ",").split(",") if k.strip()],
        extra=extra,
    )


def read_bibtex(path: Path) -> FileContents:
    entries = parse_bibtex(path.read_text(encoding="utf-8", errors="replace"))
    return _collect(
        path,
        "BibTeX entries",
        (
            (f"record {i} (key {e['ID'] or '(none)'})", partial(_bibtex_document, e, path))
            for i, e in enumerate(entries, start=1)
        ),
    )


def _ris_document(r: dict[str, Any], path: Path) -> ParsedDocument:
    if "ERROR" in r:
        raise DocumentUnreadable(r["ERROR"])
    urls = r.get("urls") or []
    return _record_document(
        title=r.get("title") or r.get("primary_title") or "",
        abstract=r.get("abstract") or r.get("notes_abstract"),
        authors=list(r.get("authors", [])) + list(r.get("first_authors", [])),
        year=_year(r.get("year") or r.get("publication_year") or r.get("date")),
        source=r.get("journal_name") or r.get("secondary_title") or r.get("alternate_title3") or f"RIS ({path.name})",
        doi=r.get("doi"),
        url=urls[0] if urls else None,
        tags=list(r.get("keywords", [])),
    )


def read_ris(path: Path) -> FileContents:
    records = parse_ris(path.read_text(encoding="utf-8", errors="replace"))
    return _collect(
        path,
        "RIS records (each starts 'TY  - ' and ends 'ER  - ')",
        ((_where(i, ident=r.get("id")), partial(_ris_document, r, path)) for i, r in enumerate(records, start=1)),
    )


def _arxiv_year(rec: dict[str, Any]) -> int | None:
    versions = rec.get("versions") or []
    if versions and isinstance(versions[0], dict) and (y := _year(versions[0].get("created"))):
        return y
    m = re.match(r"^(\d\d)(\d\d)\.", str(rec.get("id", "")))  # new-style ids start YYMM
    return 2000 + int(m.group(1)) if m else _year(rec.get("update_date"))


def record_to_document(rec: dict[str, Any], base_dir: Path | None = None) -> ParsedDocument:
    """A JSON paper record: chemassist's format (id, title, abstract, ... fulltext_path) or an arXiv
    metadata-snapshot record (id, title, abstract, authors string, categories, versions)."""
    if "categories" in rec and "fulltext_path" not in rec:  # arXiv OAI / Kaggle snapshot record
        authors = rec.get("authors") or ""
        if rec.get("authors_parsed"):
            names = [" ".join(x for x in (p[1], p[0]) if x) for p in rec["authors_parsed"]]
        else:
            names = [a.strip() for a in re.split(r",| and ", authors) if a.strip()]
        arxiv_id = str(rec.get("id", "")).strip()
        return _record_document(
            title=rec.get("title", ""),
            abstract=rec.get("abstract"),
            authors=names,
            year=_arxiv_year(rec),
            source="arXiv",
            doi=rec.get("doi"),
            arxiv_id=arxiv_id or None,
            url=f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else None,
            license=rec.get("license") or "arXiv metadata CC0",
            tags=str(rec.get("categories", "")).split(),
        )
    fulltext = None
    if rec.get("fulltext_path") and base_dir is not None:
        ft = base_dir / rec["fulltext_path"]
        if ft.is_file():
            fulltext = ft.read_text(encoding="utf-8", errors="replace")
    fields = rec.get("fields") or ""
    tags = [f.strip() for f in (fields.split(";") if isinstance(fields, str) else fields) if f.strip()]
    return _record_document(
        title=rec.get("title", ""),
        abstract=rec.get("abstract"),
        authors=list(rec.get("authors") or []),
        year=_year(rec.get("year")),
        source=rec.get("source") or "",
        doi=rec.get("doi"),
        document_id=rec.get("id"),
        url=rec.get("url"),
        license=rec.get("license"),
        fulltext=fulltext,
        tags=tags,
    )


def _not_a_record(message: str) -> ParsedDocument:
    raise DocumentUnreadable(message)


def _where(position: int, line: int | None = None, ident: Any = None) -> str:
    """'record 3 (line 4, id abc)': where a record sits in its file."""
    details = ", ".join(x for x in (f"line {line}" if line else "", f"id {ident}" if ident else "") if x)
    return f"record {position}" + (f" ({details})" if details else "")


def read_records(path: Path) -> FileContents:
    """JSONL (one record a line), a JSON list of records or one JSON record; full texts resolved beside the
    file. A line that is not JSON, or not a record, is skipped like a record without a title."""
    raw = path.read_text(encoding="utf-8")
    entries: list[tuple[int, int | None, Any, str | None]] = []  # position, line, record, error
    if path.suffix.lower() == ".json" and raw.lstrip()[:1] in ("[", "{"):
        try:
            recs = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise DocumentUnreadable(f"{path.name} is not valid JSON ({exc}).") from exc
        for i, rec in enumerate(recs if isinstance(recs, list) else [recs], start=1):
            entries.append((i, None, rec, None))
    else:
        lines = [(n, text) for n, text in enumerate(raw.splitlines(), start=1) if text.strip()]
        for i, (n, text) in enumerate(lines, start=1):
            try:
                entries.append((i, n, json.loads(text), None))
            except json.JSONDecodeError as exc:
                entries.append((i, n, None, f"not valid JSON ({exc.msg})"))
    items: list[tuple[str, Callable[[], ParsedDocument]]] = []
    for i, line, rec, error in entries:
        where = _where(i, line, rec.get("id") if isinstance(rec, dict) else None)
        if error is not None:
            items.append((where, partial(_not_a_record, error)))
        elif not isinstance(rec, dict):
            items.append((where, partial(_not_a_record, "not a JSON object")))
        else:
            items.append((where, partial(record_to_document, rec, path.parent)))
    return _collect(path, "paper records", items)


def read_file(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> FileContents:
    """Read any supported file into its documents (record files hold many) and the records it skipped."""
    path = Path(path)
    if not path.is_file():
        raise DocumentUnreadable(f"{path} does not exist or is not a file.")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedFormat(
            f"{path.name}: unsupported file type '{suffix or '(none)'}'. "
            f"Supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}."
        )
    size = path.stat().st_size
    if size > max_bytes:
        raise FileTooLarge(
            f"{path.name} is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit. Split it or raise the limit."
        )
    if size == 0:
        raise DocumentUnreadable(f"{path.name} is empty.")
    if suffix == ".pdf":
        return FileContents([read_pdf(path)])
    if suffix in {".txt", ".md", ".markdown"}:
        return FileContents([read_text(path)])
    if suffix == ".bib":
        return read_bibtex(path)
    if suffix == ".ris":
        return read_ris(path)
    return read_records(path)


def read_path(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> list[ParsedDocument]:
    """The documents of any supported file (records that cannot be read are left out: `read_file` names them)."""
    return read_file(path, max_bytes).documents
