"""Route a request: classify it (molecule / property / synthesis / literature / materials / general) and pick
a model role (chemistry / materials / general). Deterministic keyword rules: fast, testable, and the same with
or without a language model; the model still decides which tools to call."""

from __future__ import annotations

import re
from dataclasses import dataclass

_RULES: list[tuple[str, re.Pattern[str]]] = [
    # Words that name the library win: "which paper reports the synthesis of X" is a literature question.
    ("literature", re.compile(r"\b(papers?|literature|publications?|cite|citations?|according to|library)\b", re.I)),
    (
        "synthesis",
        re.compile(
            r"\b(synthes\w*|retro\w*|route|routes|how (do|can|would) (i|we|you) (make|prepare|synthesi[sz]e)|"
            r"prepare|precursors?|starting materials?|make it|make this)\b",
            re.I,
        ),
    ),
    (
        "literature",
        re.compile(
            r"\b(papers?|literature|publications?|cite|citations?|references?|according to|reported|reports?|"
            r"library|studies|study|article|articles|review)\b",
            re.I,
        ),
    ),
    (
        "property",
        re.compile(
            r"\b(predict\w*|solubility|logs|logd|lipophilicity|hydration|free energy|glass transition|tg|"
            r"properties|property|screen\w*|design)\b",
            re.I,
        ),
    ),
    (
        "molecule",
        re.compile(
            r"\b(descriptors?|molecular weight|mw|logp|tpsa|formula|inchi\w*|smiles|structure|draw|depict|"
            r"alerts?|pains|lipinski|qed|similar\w*|analogs?|analogues?|substructure|info|information|"
            r"what is|tell me about)\b",
            re.I,
        ),
    ),
]
_MATERIALS = re.compile(
    r"\b(polymers?|polyimides?|monomers?|repeat units?|materials?|nano\w*|mofs?|alloys?|ceramics?|coatings?|"
    r"glass transition|tg)\b|\*",
    re.I,
)
_ROLE = {"molecule": "chemistry", "property": "chemistry", "synthesis": "chemistry", "literature": "general"}


@dataclass(frozen=True)
class Route:
    intent: str
    role: str


def route(text: str) -> Route:
    """The intent of a request and the model role that should answer it."""
    intent = next((name for name, pattern in _RULES if pattern.search(text)), "general")
    if _MATERIALS.search(text) and intent in ("property", "general", "molecule"):
        return Route(intent="materials" if intent == "general" else intent, role="materials")
    return Route(intent=intent, role=_ROLE.get(intent, "general"))
