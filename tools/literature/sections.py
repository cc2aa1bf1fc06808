"""What part of a paper a passage is: body text, or the reference list, acknowledgements (funding, conflicts,
contributions) and front matter (authors, affiliations, e-mail) that answers should not quote.

Decided from the passage's section name and its text, at search time, so libraries ingested before this
module existed are classified too.
"""

from __future__ import annotations

import re
from typing import Literal

PassageKind = Literal["body", "references", "acknowledgements", "front matter"]
BACK_MATTER: frozenset[str] = frozenset({"references", "acknowledgements", "front matter"})

_REFERENCES_SECTION = re.compile(
    r"^\s*(?:\d+(?:\.\d+)*\.?\s*)?(?:references?(?: and notes)?|notes and references|bibliography|literature cited|"
    r"works cited|cited literature)\s*:?\s*$",
    re.IGNORECASE,
)
_ACK_SECTION = re.compile(
    r"^\s*(?:\d+(?:\.\d+)*\.?\s*)?(?:acknowledge?ments?|funding(?: sources| information)?|conflicts? of interests?|"
    r"competing interests?|declaration of competing interests?|author contributions?|credit authorship.*|"
    r"author information|notes)\s*\.?:?\s*$",
    re.IGNORECASE,
)
_ACK_OPENING = re.compile(
    r"^\s*(?:acknowledge?ments?|funding|conflicts? of interests?|competing interests?|author contributions?)\b"
    r"\s*[.:]",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?<![\d.])(?:19|20)\d{2}(?![\d.%])")
_INITIALS = re.compile(r"\b[A-Z]\.\s?(?:[A-Z]\.\s?)*(?:-[A-Z]\.\s?)?[A-Z][a-z]+|\b[A-Z][a-z]+,\s(?:[A-Z]\.\s?){1,3}")
_REF_MARKERS = re.compile(r"\bet al\.|\bdoi\b|https?://|\bJ\.\s?[A-Z]|\bChem\.|\bPhys\.|\bSoc\.|\bLett\.|\bvol\.", re.I)
_FRONT_MARKERS = re.compile(
    r"@[\w-]+\.\w|\bcorrespond(?:ing|ence)\b|\bORCID\b|\buniversity\b|\bdepartment\b|\binstitute\b|\bschool of\b|"
    r"\bcollege\b|\blaborator(?:y|ies)\b|\bfaculty of\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z]{2,}")
# Asked for on purpose: then such passages are searchable.
_ASKS_REFERENCES = re.compile(r"\b(?:references?|cit(?:e|es|ed|ation|ations)|bibliograph\w*)\b", re.IGNORECASE)
_ASKS_ACK = re.compile(
    r"\b(?:acknowledg\w*|fund\w*|grants?|sponsor\w*|conflicts? of interest|competing interests?|contribut\w*)\b",
    re.IGNORECASE,
)
_ASKS_FRONT = re.compile(
    r"\b(?:authors?|wrote|affiliations?|universit\w*|institut\w*|e-?mails?|correspond\w*|who)\b", re.IGNORECASE
)


def _looks_like_references(text: str) -> bool:
    """A run of bibliography entries: years, initials and journal abbreviations, densely."""
    years = len(_YEAR.findall(text))
    if years < 3:
        return False
    density = 1000 * (years + len(_INITIALS.findall(text)) + len(_REF_MARKERS.findall(text))) / max(len(text), 1)
    return density >= 9


def _looks_like_front_matter(text: str) -> bool:
    """Authors, affiliations and contact lines: markers of them, and no sentence of prose."""
    if not _FRONT_MARKERS.search(text):
        return False
    longest = max((len(_WORD.findall(s)) for s in re.split(r"(?<=[.!?])\s+|\n", text)), default=0)
    return longest < 14


def passage_kind(section: str, text: str, *, first: bool = False) -> PassageKind:
    """The kind of a passage from its section name and text. `first`: the passage opens its document (front
    matter is only looked for there, or in passages without a section)."""
    if _REFERENCES_SECTION.match(section or ""):
        return "references"
    if _ACK_SECTION.match(section or "") or _ACK_OPENING.match(text):
        return "acknowledgements"
    if _looks_like_references(text):
        return "references"
    if (first or not section) and _looks_like_front_matter(text):
        return "front matter"
    return "body"


def asked_kinds(query: str) -> set[str]:
    """The back-matter kinds a query asks for ("Which papers does it cite?" -> references)."""
    kinds = set()
    if _ASKS_REFERENCES.search(query):
        kinds.add("references")
    if _ASKS_ACK.search(query):
        kinds.add("acknowledgements")
    if _ASKS_FRONT.search(query):
        kinds.add("front matter")
    return kinds
