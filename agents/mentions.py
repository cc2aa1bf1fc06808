"""Find the molecules a message talks about, with where each was written and how it was read (no model needed).

In order: InChI strings, CAS numbers, abbreviations written as the name table writes them (NBS, DCM, Boc2O),
SMILES, names and synonyms of the name tables (longest phrase first, salts read as their parent drug),
systematic names OPSIN can parse (4-(2-hydroxyethyl)phenol, N-phenylbenzamide) and, last, close spellings of
known names ("ibuprofin"). A name-like word that none of these know is kept as unknown, with suggestions.
"""

from __future__ import annotations

import contextlib
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

from rdkit import Chem, rdBase

from agents.lexicon import FUNCTION_WORDS, property_terms, question_vocabulary
from tools.chem.names import (
    NameMatch,
    UnknownName,
    abbreviation_first,
    normalize_name,
    resolve_name,
    salt_parent,
    suggest,
    synonym_table,
)

rdBase.DisableLog("rdApp.*")
_TOKEN = re.compile(r"(?:[^\s,;\"`]|,(?=\d))+")
_SMILES_HINT = re.compile(r"[()=#\[\]@/\\0-9+*]|[cnos]\d|^[BCNOSPFI][a-z]?[BCNOSPFIclnos]")
_STOP = FUNCTION_WORDS
_INCHI = re.compile(r"InChI=1S?/[^\s\"'`;]+[^\s\"'`;.,?!]")
_CAS = re.compile(r"(?<![\w-])\d{2,7}-\d{2}-\d(?![\w-])")
# Systematic names: locants, multiplied prefixes or a chemical suffix; OPSIN decides whether it is a name.
_SYSTEMATIC = re.compile(
    r"(\d+[,\d]*-|\bN-|-\d|\(\w|yl\)|"
    r"(?:meth|eth|prop|but|pent|hex|hept|oct|non|dec|benz|phen|pyr|pyrid|imidaz|furan|thi|cyclo)\w*"
    r"(?:ane|ene|yne|ol|al|one|oate|oic|amide|amine|ile|ate|ide|ine|ole|yl|ene)\b)",
    re.I,
)
_SYSTEMATIC_TAIL = re.compile(r"^(acid|chloride|bromide|iodide|anhydride|ester|oxide|hydrochloride)$", re.I)
MAX_OPSIN_LOOKUPS = 4
MAX_FUZZY_WORDS = 6


@dataclass(frozen=True, slots=True)
class Mention:
    """One molecule named in a message: the words as written, where, its SMILES and how it was read."""

    text: str
    start: int
    end: int
    smiles: str
    read_as: str  # SMILES, InChI, name, synonym, abbreviation, CAS number, salt, systematic name, close spelling
    source: str
    entry: str = ""  # the table's name for it, when a table knew it

    @property
    def query(self) -> str:
        """What a tool is given: the words as written, or the table's name when the words were misspelt."""
        return self.entry if self.read_as == "close spelling" else self.text

    @property
    def label(self) -> str:
        return self.entry or self.text

    def reading(self) -> str:
        """How the input was read, in one clause ("'NBS' as the abbreviation of N-bromosuccinimide")."""
        if self.read_as in ("SMILES", "InChI"):
            return f"{self.text!r} as {self.read_as}"
        if self.read_as == "close spelling":
            return f"{self.text!r} as {self.entry} (closest known name; check the spelling)"
        if self.read_as == "systematic name":
            return f"{self.text!r} as a systematic (IUPAC) name ({self.source})"
        what = self.entry if self.entry and normalize_name(self.entry) != normalize_name(self.text) else ""
        if self.read_as in ("abbreviation", "synonym", "CAS number", "salt") and what:
            article = "the parent drug of the salt," if self.read_as == "salt" else f"the {self.read_as} of"
            return f"{self.text!r} as {article} {what}"
        return f"{self.text!r} as a name from the name table"


@dataclass(frozen=True, slots=True)
class Unknown:
    """A word that looks like a chemical name but is in no table: said back with the closest known names."""

    text: str
    suggestions: tuple[str, ...]


def _looks_like_smiles(token: str) -> bool:
    if len(token) < 2 or token.lower() in _STOP or token.isalpha() and token.lower() == token and len(token) > 3:
        return False  # ordinary lowercase words are not SMILES even when they parse (e.g. "con")
    if not (_SMILES_HINT.search(token) or token.isupper()):
        return False
    if token.isupper() and len(token) < 3:
        return False  # "CO", "NO", "HI": too ambiguous in prose
    return Chem.MolFromSmiles(token) is not None


def _tokens(text: str) -> list[tuple[int, int, str]]:
    """Whitespace tokens with their spans, trailing sentence punctuation and Markdown bold removed."""
    out = []
    for m in _TOKEN.finditer(text):
        token, start = m.group(), m.start()
        if token.startswith("**") and token.endswith("**") and len(token) > 4:
            token, start = token[2:-2], start + 2
        stripped = token.rstrip(".?!:")
        if stripped.count(")") > stripped.count("(") and stripped.endswith(")"):
            stripped = stripped[:-1]
        if stripped.startswith("(") and stripped.count("(") > stripped.count(")"):
            stripped, start = stripped[1:], start + 1
        if stripped.startswith("'") and not stripped.endswith("'"):
            stripped, start = stripped[1:], start + 1
        stripped = stripped.rstrip("'")
        if elided := _ELISION.match(stripped):
            stripped, start = stripped[elided.end() :], start + elided.end()
        if stripped:
            out.append((start, start + len(stripped), stripped))
    return out


_ELISION = re.compile(r"^(?:[ldjmnst]|qu)'(?=\w{3})", re.I)  # French and Italian l'aspirine, d'ibuprofène


def _words(text: str) -> list[tuple[int, int, str]]:
    out = []
    for m in re.finditer(r"[\w\-,()'\[\]]+", text):
        start, word = m.start(), m.group()
        if elided := _ELISION.match(word):
            start, word = start + elided.end(), word[elided.end() :]
        out.append((start, start + len(word), word))
    return out


def _free(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    return all(end <= a or start >= b for a, b in taken)


def _mention(text: str, start: int, match: NameMatch) -> Mention:
    return Mention(
        text=text, start=start, end=start + len(text), smiles=match.smiles, read_as=match.read_as,
        source=match.source, entry=match.entry or match.name,
    )  # fmt: skip


@cache
def _vocabulary() -> frozenset[str]:
    """Words that are ordinary words of a chemist's question, never molecule names (for the spelling pass)."""
    return question_vocabulary() | _STOP


@cache
def _fuzzy_pool() -> dict[tuple[str, int], list[str]]:
    """Single-word table names of 5+ letters by (first letter, length), for close-spelling matches."""
    pool: dict[tuple[str, int], list[str]] = {}
    for key, hit in synonym_table().items():
        if " " not in key and len(key) >= 5 and key.isalpha() and not hit.source.startswith("safety list"):
            pool.setdefault((key[0], len(key)), []).append(key)
    return pool


_VOWELS = frozenset("aeiouy")


def _typing_distance(a: str, b: str) -> float:
    """Edit distance as typists err: a vowel for a vowel costs half, swapping neighbours costs one."""
    prev2: list[float] = []
    prev = [float(j) for j in range(len(b) + 1)]
    for i in range(1, len(a) + 1):
        row = [float(i)] + [0.0] * len(b)
        for j in range(1, len(b) + 1):
            same = a[i - 1] == b[j - 1]
            swap = 0.0 if same else 0.5 if a[i - 1] in _VOWELS and b[j - 1] in _VOWELS else 1.0
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + swap)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[-1]


def _close_candidates(key: str) -> list[str]:
    pool = _fuzzy_pool()
    candidates = [k for n in range(len(key) - 2, len(key) + 3) for k in pool.get((key[0], n), [])]
    return difflib.get_close_matches(key, candidates, n=3, cutoff=0.8)


@lru_cache(maxsize=4096)
def close_spelling(word: str) -> str | None:
    """The one known name a misspelt word most likely means ("ibuprofin" -> "ibuprofen"), or None when no
    name is close or two are equally close."""
    key = word.casefold()
    if len(key) < 6 or not key.isalpha() or key in _vocabulary():
        return None
    ranked = sorted((_typing_distance(key, c), c) for c in _close_candidates(key))
    ranked = [(d, c) for d, c in ranked if d <= max(1.0, len(key) / 5)]
    if not ranked or len(ranked) > 1 and ranked[1][0] == ranked[0][0]:
        return None
    return ranked[0][1]


@lru_cache(maxsize=512)
def find_molecules(text: str, *, deep: bool = True) -> tuple[tuple[Mention, ...], tuple[Unknown, ...]]:
    """Every molecule in ``text`` in the order written, and the name-like words no table or OPSIN knows.

    ``deep=False`` reads only what the tables and RDKit know at once (SMILES, InChI, CAS numbers, names and
    abbreviations): no OPSIN and no spelling guesses, for the safety screen, which runs on every message and
    every tool call and looks up systematic names itself where a request to make something names one."""
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []

    def add(m: Mention) -> None:
        found.append(m)
        taken.append((m.start, m.end))

    for m in _INCHI.finditer(text):
        inchi = m.group()
        while inchi.endswith(")") and inchi.count(")") > inchi.count("("):
            inchi = inchi[:-1]
        try:
            mol = Chem.MolFromInchi(inchi)
            smiles = Chem.MolToSmiles(mol) if mol is not None else ""
        except Exception:  # noqa: BLE001 - a broken InChI is simply not a molecule here
            smiles = ""
        if smiles:
            add(Mention(inchi, m.start(), m.start() + len(inchi), smiles, "InChI", "InChI"))
    for m in _CAS.finditer(text):
        if _free(taken, m.start(), m.end()):
            with contextlib.suppress(UnknownName):
                add(_mention(m.group(), m.start(), resolve_name(m.group(), use_opsin=False)))
    for start, end, token in _tokens(text):
        if not _free(taken, start, end):
            continue
        if (hit := abbreviation_first(token)) is not None and token.lower() not in _STOP:
            if not _is_property_word(token):
                add(_mention(token, start, hit))
        elif _looks_like_smiles(token):
            add(Mention(token, start, end, Chem.MolToSmiles(Chem.MolFromSmiles(token)), "SMILES", "SMILES"))
    _names(text, add, taken)
    unknown = _systematic_and_spelling(text, add, taken) if deep else []
    found.sort(key=lambda m: m.start)
    return tuple(found), tuple(unknown)


def _is_property_word(token: str) -> bool:
    return token.casefold() in property_terms()


def _names(text: str, add: Callable[[Mention], None], taken: list[tuple[int, int]], max_words: int = 5) -> None:
    """Names of the tables, longest phrase first, left to right; a drug name followed by salt words is the
    salt (read as its parent)."""
    table = synonym_table()
    words = _words(text)
    i = 0
    while i < len(words):
        for n in range(min(max_words, len(words) - i), 0, -1):
            start, end = words[i][0], words[i + n - 1][1]
            phrase = text[start:end]
            lead = len(phrase) - len(phrase.lstrip(",()"))
            phrase = phrase.strip(",()")
            start += lead
            key = normalize_name(phrase)
            if key in _STOP or len(key) < 3 or not _free(taken, start, start + len(phrase)):
                continue
            hit = table.get(key)
            if hit is None and n > 1:
                hit = salt_parent(phrase)  # multi-word phrases beyond the table are only salts ("sildenafil citrate")
            if hit is not None:
                add(_mention(phrase, start, hit))
                i += n
                break
        else:
            i += 1


def _systematic_and_spelling(text: str, add: Callable[[Mention], None], taken: list[tuple[int, int]]) -> list[Unknown]:
    """Systematic names through OPSIN, then close spellings of table names; what is left and looks like a
    chemical name is returned as unknown."""
    unknown: list[Unknown] = []
    lookups = fuzzy = 0
    words = [w for w in _tokens(text) if _free(taken, w[0], w[1])]
    i = 0
    while i < len(words):
        start, end, word = words[i]
        i += 1
        if any(c.isdigit() for c in word) and not any(c.isalpha() for c in word):
            continue
        nxt = words[i] if i < len(words) else None
        phrase, phrase_end = word, end
        if nxt is not None and _SYSTEMATIC_TAIL.match(nxt[2]) and nxt[0] - end <= 1:
            phrase, phrase_end = text[start : nxt[1]], nxt[1]
        systematic = _SYSTEMATIC.search(phrase) and word.casefold() not in _vocabulary() and len(word) >= 5
        if systematic and lookups < MAX_OPSIN_LOOKUPS:
            lookups += 1
            match = _opsin_name(phrase)
            if match is not None:
                add(_mention(phrase, start, match))
                if phrase_end != end:
                    i += 1
                continue
        if fuzzy < MAX_FUZZY_WORDS and word.isalpha() and len(word) >= 6 and word.casefold() not in _vocabulary():
            fuzzy += 1
            close = close_spelling(word)
            if close is not None:
                hit = synonym_table()[close]
                add(Mention(word, start, end, hit.smiles, "close spelling", hit.source, entry=hit.entry or hit.name))
                continue
            near = _close_candidates(word.casefold())
            if systematic or near:
                unknown.append(Unknown(word, tuple(synonym_table()[k].name for k in near) or tuple(suggest(word))))
    return unknown


def _opsin_name(phrase: str) -> NameMatch | None:
    try:
        match = resolve_name(phrase)
    except UnknownName:
        return None
    return match if match.read_as == "systematic name" or match.smiles else None


def smiles_in(text: str) -> list[str]:
    return [m.text for m in find_molecules(text, deep=False)[0] if m.read_as == "SMILES"]


def names_in(text: str) -> list[str]:
    """Names of the tables (and abbreviations and CAS numbers) as written, in order."""
    return [m.text for m in find_molecules(text, deep=False)[0] if m.read_as not in ("SMILES", "InChI")]


def molecules_in(text: str) -> list[str]:
    """Every molecule as written by the user, in order (SMILES, InChI, names; misspelt names as the table's)."""
    return list(dict.fromkeys(m.query for m in find_molecules(text)[0]))
