"""Split a document into passages by section and paragraph, with overlap, keeping page and character offsets.

A chunk is a contiguous span [char_start, char_end) of one page's text, so `page.text[start:end]` is exactly
the passage a citation shows. Chunks never cross a page (a citation names one page) and a new section
heading always starts a new chunk. Consecutive chunks of a section overlap by up to `overlap` characters
(whole sentences) so a fact split over a boundary is still retrievable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from tools.literature.models import Chunk, ParsedDocument

DEFAULT_MAX_CHARS = 1000
DEFAULT_OVERLAP = 150

_SECTION_NAMES = (
    "abstract|introduction|background|methods?|materials and methods|experimental( section| details)?|"
    "results( and discussion)?|discussion|conclusions?|summary|references|bibliography|acknowledge?ments?|"
    "supporting information|data availability|author contributions|conflicts? of interest"
)
_HEADING_RE = re.compile(
    rf"^\s*(#{{1,6}}\s+\S.*|(\d+(\.\d+)*\.?|[IVX]+\.)\s+[A-Z][^.!?]{{2,80}}|({_SECTION_NAMES})\s*:?)\s*$",
    re.IGNORECASE,
)
# Sentence end: ., ! or ? followed by space and an upper-case letter, digit or bracket.
# Not after common abbreviations (et al., e.g., Fig.) - good enough for citation spans.
_SENT_END_RE = re.compile(r"(?<!\bal)(?<!\be\.g)(?<!\bi\.e)(?<!\bFig)(?<!\bEq)(?<!\bRef)[.!?](?=\s+[\"(\[A-Z0-9])")


@dataclass
class _Unit:
    start: int
    end: int
    heading: bool


def is_heading(line: str) -> bool:
    line = line.strip()
    return 0 < len(line) <= 100 and bool(_HEADING_RE.match(line))


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of sentences in text[start:end], whitespace trimmed, offsets into `text`."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for m in _SENT_END_RE.finditer(text, start, end):
        spans.append((pos, m.end()))
        pos = m.end()
    spans.append((pos, end))
    return [s for s in (_trim(text, a, b) for a, b in spans) if s[1] > s[0]]


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _units(text: str, max_chars: int, headings: frozenset[int] = frozenset()) -> list[_Unit]:
    """Headings, and sentences of paragraphs (hard-split when a sentence is longer than max_chars).
    `headings`: offsets of lines known to be headings (Markdown '#' lines, see markup.py)."""
    units: list[_Unit] = []
    for para in re.finditer(r"(?:[^\n]|\n(?!\s*\n))+", text):
        # A heading is a line of its own (PDF text has few blank lines, so look at every line).
        seg_start = para.start()
        for line in re.finditer(r"[^\n]+", text[para.start() : para.end()]):
            ls, le = para.start() + line.start(), para.start() + line.end()
            if (ls in headings and le - ls <= 200) or is_heading(text[ls:le]):
                _add_sentences(units, text, seg_start, ls, max_chars)
                hs, he = _trim(text, ls, le)
                units.append(_Unit(hs, he, True))
                seg_start = le
        _add_sentences(units, text, seg_start, para.end(), max_chars)
    return units


def _add_sentences(units: list[_Unit], text: str, a: int, b: int, max_chars: int) -> None:
    a, b = _trim(text, a, b)
    if a >= b:
        return
    for s, e in sentence_spans(text, a, b):
        while e - s > max_chars:
            cut = text.rfind(" ", s, s + max_chars)
            cut = s + max_chars if cut <= s else cut
            units.append(_Unit(s, cut, False))
            s, _ = _trim(text, cut, e)
        units.append(_Unit(s, e, False))


def chunk_text(
    text: str,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    overlap: int = DEFAULT_OVERLAP,
    headings: Iterable[int] = (),
) -> list[tuple[int, int, str]]:
    """(char_start, char_end, section) spans of one page's text."""
    spans: list[tuple[int, int, str]] = []
    section = ""
    current: list[_Unit] = []
    fresh = 0  # units in `current` that are not overlap carried over from the previous chunk

    def flush() -> None:
        if fresh:
            spans.append((current[0].start, current[-1].end, section))

    for unit in _units(text, max_chars, frozenset(headings)):
        if unit.heading:
            if current and all(u.heading for u in current):
                current.append(unit)  # a title straight above a section heading: keep them together
            else:
                flush()
                current, fresh = [unit], 1
            section = text[unit.start : unit.end].strip().lstrip("#").strip()
            continue
        only_heading = all(u.heading for u in current)
        if fresh and unit.end - current[0].start > max_chars and not only_heading:
            flush()
            # Carry whole trailing sentences (not headings) up to `overlap` characters into the next chunk.
            carry: list[_Unit] = []
            for u in reversed(current):
                if u.heading or current[-1].end - u.start > overlap:
                    break
                carry.insert(0, u)
            current, fresh = carry, 0
        current.append(unit)
        fresh += 1
    flush()
    return spans


def chunk_document(
    doc: ParsedDocument, *, max_chars: int = DEFAULT_MAX_CHARS, overlap: int = DEFAULT_OVERLAP
) -> list[Chunk]:
    """All chunks of a document, in reading order, with stable ids '<document_id>#p<page>:<start>-<end>'."""
    chunks: list[Chunk] = []
    doc_id = doc.meta.document_id
    for page in doc.pages:
        for start, end, section in chunk_text(page.text, max_chars=max_chars, overlap=overlap, headings=page.headings):
            chunks.append(
                Chunk(
                    chunk_id=f"{doc_id}#p{page.page}:{start}-{end}",
                    document_id=doc_id,
                    section=section,
                    page=page.page,
                    char_start=start,
                    char_end=end,
                    text=page.text[start:end],
                    paged=doc.paged,
                )
            )
    return chunks
