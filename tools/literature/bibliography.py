"""BibTeX and RIS reference files as plain records, through bibtexparser 2 and rispy.

BibTeX: @string macros and `#` concatenation resolved, LaTeX accents decoded (`Schr\\"odinger` reads
Schrödinger), braces removed, authors split at "and", month macros as numbers. A block that does not parse
comes back as a record with an ERROR that says where, so the caller can skip it and name it.
RIS: rispy's field names (title, authors, year, doi, ...); a record without its closing `ER  -` is an error.
"""

from __future__ import annotations

import re
from typing import Any

import rispy
from bibtexparser import middlewares
from bibtexparser.library import Library
from bibtexparser.middlewares.middleware import Middleware
from bibtexparser.model import Entry, ParsingFailedBlock
from bibtexparser.splitter import Splitter

# Parts of a concatenated BibTeX value: "quoted", {braced} (one level of nesting), or a bare macro/number.
_PART = re.compile(r'\s*("[^"]*"|\{(?:[^{}]|\{[^{}]*\})*\}|[^\s#"{}]+)\s*(#|$)')
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


class ConcatenateStrings(middlewares.LibraryMiddleware):
    """Resolve `"Proc. " # acs # " Meeting"` into one braced value (bibtexparser resolves single macros only).

    Runs before ResolveStringReferencesMiddleware; month macros inside a concatenation keep BibTeX's English names.
    """

    def __init__(self) -> None:
        super().__init__(allow_inplace_modification=True)

    @classmethod
    def metadata_key(cls) -> str:
        return "ConcatenateStrings"

    def transform(self, library: Library) -> Library:
        macros = {key.lower(): s.value for key, s in library.strings_dict.items()}
        for entry in library.entries:
            for field in entry.fields:
                if isinstance(field.value, str) and "#" in field.value:
                    joined = _concatenate(field.value, macros)
                    if joined is not None:
                        field.value = "{" + joined + "}"
        return library


def _concatenate(value: str, macros: dict[str, str]) -> str | None:
    """The parts of VALUE joined, or None when VALUE is not a concatenation (a '#' inside one quoted part)."""
    parts: list[str] = []
    pos = 0
    while pos < len(value):
        match = _PART.match(value, pos)
        if match is None:
            return None
        token = match.group(1)
        if token[0] in '"{':
            parts.append(token[1:-1])
        else:
            name = token.lower()
            full = macros.get(name)
            if full is None and name in _MONTHS:
                full = _MONTH_NAMES[_MONTHS.index(name)]
            parts.append(_unenclose(full) if full is not None else token)
        pos = match.end()
    return "".join(parts) if len(parts) > 1 else None


_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _unenclose(value: str) -> str:
    if len(value) >= 2 and value[0] + value[-1] in ('""', "{}"):
        return value[1:-1]
    return value


def _parse_stack() -> list[Middleware]:
    return [
        ConcatenateStrings(),
        middlewares.ResolveStringReferencesMiddleware(True),
        middlewares.RemoveEnclosingMiddleware(True),
        middlewares.LatexDecodingMiddleware(True),
        middlewares.SeparateCoAuthors(True),
        middlewares.MonthIntMiddleware(True),
    ]


def parse_bibtex(text: str) -> list[dict[str, Any]]:
    """Entries of a BibTeX string, in file order, as dicts: ENTRYTYPE, ID, lower-case fields (plain Unicode text;
    "author" and "editor" as lists of names; "month" as 1-12 where it was a month). A block that does not parse
    comes back as {ENTRYTYPE, ID, ERROR} with the line where it starts."""
    library = Splitter(text).split()
    for middleware in _parse_stack():
        library = middleware.transform(library)
    records: list[dict[str, Any]] = []
    for block in library.blocks:
        if isinstance(block, Entry):
            record: dict[str, Any] = {"ENTRYTYPE": block.entry_type.lower(), "ID": block.key}
            record |= {field.key.lower(): _plain(field.value) for field in block.fields}
            records.append(record)
        elif isinstance(block, ParsingFailedBlock):
            records.append(_failed(block))
    return records


def _plain(value: Any) -> Any:
    """Text without leftover protective braces; whitespace runs (line breaks inside a field) become one space."""
    if isinstance(value, str):
        return " ".join(value.replace("{", "").replace("}", "").split())
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _failed(block: ParsingFailedBlock) -> dict[str, Any]:
    head = re.match(r"\s*@(\w+)\s*[{(]\s*([^,\s}]*)", block.raw or "")
    kind, key = (head.group(1).lower(), head.group(2)) if head else ("", "")
    if block.ignore_error_block is not None and isinstance(block.ignore_error_block, Entry):
        key = block.ignore_error_block.key or key
    reason = str(block.error).strip().rstrip(".") or type(block.error).__name__
    if type(block).__name__ == "DuplicateBlockKeyBlock":
        reason = "the same key as an earlier entry"
    elif "end of file" in reason.lower() or "aborted" in reason.lower() or not reason:
        reason = "unbalanced braces or quotes (the entry does not close)"
    line = (block.start_line or 0) + 1
    return {"ENTRYTYPE": kind, "ID": key, "ERROR": f"not valid BibTeX at line {line}: {reason}"}


def parse_ris(text: str) -> list[dict[str, Any]]:
    """RIS records as rispy reads them (title, primary_title, authors, first_authors, year, doi, urls, keywords,
    abstract, ...). A record that starts ('TY  - ') but never ends ('ER  - ') is an error, not silently lost."""
    records: list[dict[str, Any]] = [dict(r) for r in rispy.loads(_without_bom(text))]
    starts = len(re.findall(r"^\s*TY  -", text, flags=re.MULTILINE))
    if starts > len(records):
        unfinished = starts - len(records)
        records.append({"ERROR": f"{unfinished} record(s) open with a TY line but never close with an ER line"})
    return records


def _without_bom(text: str) -> str:
    return text.removeprefix("\ufeff")


__all__ = ["ConcatenateStrings", "parse_bibtex", "parse_ris"]
