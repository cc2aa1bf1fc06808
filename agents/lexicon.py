"""The reader's labelled data: example requests (agents/data/reader_examples.jsonl) and the property vocabulary
(agents/data/property_terms.csv), loaded once. Shared by the molecule reader (ordinary words of a question are
never molecule names) and the request reader."""

from __future__ import annotations

import csv
import json
import re
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
EXAMPLES = DATA_DIR / "reader_examples.jsonl"
TERMS = DATA_DIR / "property_terms.csv"
PLACEHOLDERS = ("X", "Y", "Z")
# Words of a question that are never a molecule and carry no topic (one list for the molecule and request readers).
FUNCTION_WORDS = frozenset(
    [
        "a",
        "about",
        "all",
        "also",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "between",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "hello",
        "here",
        "hi",
        "how",
        "i",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "one",
        "or",
        "our",
        "over",
        "please",
        "pls",
        "should",
        "some",
        "than",
        "thanks",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "two",
        "under",
        "versus",
        "vs",
        "was",
        "we",
        "were",
        "what",
        "which",
        "who",
        "will",
        "with",
        "would",
        "yes",
        "you",
        "your",
    ]
)


@cache
def examples() -> tuple[list[str], list[str], list[tuple[str, ...]]]:
    texts, intents, props = [], [], []
    with open(EXAMPLES, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                texts.append(_fill(row["text"]))
                intents.append(row["intent"])
                props.append(tuple(row.get("properties") or ()))
    return texts, intents, props


def _fill(template: str) -> str:
    return template.replace("{mol}", PLACEHOLDERS[0]).replace("{mol2}", PLACEHOLDERS[1]).replace("{mol3}", "Z")


@cache
def property_terms() -> dict[str, str]:
    """Folded surface form -> property key ("molar mass" -> mol_weight, "logd7.4" -> lipophilicity)."""
    terms: dict[str, str] = {}
    with open(TERMS, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            terms.setdefault(row["term"].strip().casefold(), row["property"].strip())
    return terms


@cache
def term_pattern() -> re.Pattern[str]:
    words = sorted(property_terms(), key=len, reverse=True)
    return re.compile(r"(?<![\w])(" + "|".join(re.escape(w) for w in words) + r")(?![\w])", re.I)


@cache
def question_vocabulary() -> frozenset[str]:
    """Every word of the labelled examples and the property vocabulary: ordinary words of a question."""
    words: set[str] = set()
    for text in examples()[0]:
        words.update(w.casefold() for w in re.findall(r"[A-Za-z]+", text))
    for term in property_terms():
        words.update(re.findall(r"[a-z]+", term))
    return frozenset(w for w in words if w not in ("x", "y", "z"))
