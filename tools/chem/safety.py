"""Safety screen: identifies chemical-weapon agents and precursors, explosives and explosive precursors, by
structure (``screen``) and by name in free text (``find_names``).

By structure, offline:
- by InChIKey against ``data/safety_list.csv`` (names, categories and sources are curated; the keys are
  computed by RDKit from the listed SMILES when first needed). A full-key match is ``matched_by="inchikey"``;
  a match of the first block only (same skeleton, other stereo/isotopes/protonation) is
  ``"inchikey_skeleton"``. The whole input and each fragment (salts, mixtures) are checked.
- by substructure against ``data/safety_motifs.csv`` (SMARTS with a minimum count, e.g. P(=O)F nerve-agent
  motif, three or more aromatic nitro groups), ``matched_by="substructure"`` with the matched atoms.
  Two energetic groups are judged by established rules before they flag (the ``rule`` column), because they
  are everyday reagents and intermediates as often as hazards (Bräse et al., Angew. Chem. Int. Ed. 2005, 44,
  5188, doi:10.1002/anie.200400657):
  - an azide in a fragment with (C + O) / N >= 3 is isolable and storable: a routine intermediate;
  - a peroxide with one O-O group (mCPBA, TBHP, benzoyl peroxide, artemisinin), or with six or more carbons
    per O-O group (the "rule of six"), is a routine reagent; two or more O-O groups with fewer than six
    carbons each (TATP, HMTD, MEKP) flag.
  A motif judged routine is reported in ``cautions`` (with the rule and the numbers), not in ``hits``.

By name: the list's names and aliases, plus ``data/safety_names.csv`` (military codes such as GB, VX, HN3;
synonyms; translations; CAS numbers; names-only entries such as Novichok or ricin; named classes such as "nerve
agent" or "explosive"), matched as whole words. Codes of two letters match in capitals only and never next
to a number (``2 GB``) or inside a longer token (``GBP``, ``HDPE``, a SMILES); each row can exclude the
contexts where its term means something else (``BZ reaction``, ``bath bomb``). Names of six or more letters
also match with one typo (one letter added, dropped, changed or two swapped), unless the word is itself a
known chemical name (``citric acid`` is not ``nitric acid``). Hand-written because no library matches chemical
names with typos against a curated list while keeping each entry's source.

The screen only identifies; it holds no synthesis information. Callers (the agent, the synthesis planner)
decide what to refuse. A motif hit means "look closer", not "this is a weapon".
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from rdkit import Chem, rdBase

from tools.chem.polymer import cap, is_polymer
from tools.chem.provenance import PROVENANCE

DATA_DIR = Path(__file__).parent / "data"
AZIDE_MIN_RATIO = 3.0  # (C + O) / N at or above which an organic azide is isolable (Bräse et al. 2005)
CARBONS_PER_ENERGETIC_GROUP = 6  # the "rule of six" (Bräse et al. 2005, after Smith 1966)
TYPO_MIN_LETTERS = 5
_RULE_SOURCE = "Bräse et al., Angew. Chem. Int. Ed. 2005, 44, 5188 (doi:10.1002/anie.200400657)"


@dataclass(frozen=True)
class SafetyHit:
    """Why a structure was flagged: listed name or motif, category, the list's source, and how it matched.
    ``note`` says how a rule judged a motif (e.g. the azide's (C + O) / N)."""

    name: str
    category: str
    source: str
    matched_by: str
    atoms: list[int] = field(default_factory=list)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SafetyResult:
    """flagged is True when any hit was found; hits lists each reason (listed substances first). cautions are
    energetic groups that the rules judge routine (an azide with (C + O) / N >= 3, a single peroxide): worth a
    look in the risk assessment, no reason to refuse."""

    flagged: bool
    hits: list[SafetyHit]
    cautions: list[SafetyHit] = field(default_factory=list)
    provenance: str = f"safety lists in tools/chem/data (see PROVENANCE.md); {PROVENANCE}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Listed:
    name: str
    category: str
    source: str
    inchikey: str


@dataclass(frozen=True)
class _Motif:
    name: str
    query: Chem.Mol
    min_count: int
    category: str
    source: str
    rule: str


def _key(mol: Chem.Mol) -> str:
    with rdBase.BlockLogs():
        return Chem.MolToInchiKey(mol) or ""


def _list_rows() -> list[dict[str, str]]:
    with open(DATA_DIR / "safety_list.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@cache
def listed_substances() -> tuple[_Listed, ...]:
    """The curated list with InChIKeys computed by RDKit from its SMILES."""
    return tuple(
        _Listed(row["name"], row["category"], row["source"], _key(Chem.MolFromSmiles(row["smiles"])))
        for row in _list_rows()
    )


@cache
def motifs() -> tuple[_Motif, ...]:
    """The curated substructure motifs (SMARTS + minimum count + the rule that judges them, if any)."""
    with open(DATA_DIR / "safety_motifs.csv", newline="", encoding="utf-8") as fh:
        return tuple(
            _Motif(
                r["name"],
                Chem.MolFromSmarts(r["smarts"]),
                int(r["min_count"]),
                r["category"],
                r["source"],
                r.get("rule") or "",
            )
            for r in csv.DictReader(fh)
        )


def _fragment_of(mol: Chem.Mol) -> dict[int, tuple[int, ...]]:
    """Atom index -> the atom indices of its fragment (salts and mixtures are judged per fragment)."""
    out: dict[int, tuple[int, ...]] = {}
    for frag in Chem.GetMolFrags(mol, asMols=False, sanitizeFrags=False):
        for i in frag:
            out[i] = frag
    return out


def _count(mol: Chem.Mol, atoms: tuple[int, ...], symbol: str) -> int:
    return sum(1 for i in atoms if mol.GetAtomWithIdx(i).GetSymbol() == symbol)


def _judge(motif: _Motif, mol: Chem.Mol, matches: tuple[tuple[int, ...], ...]) -> tuple[bool, str]:
    """(flags, note) for a motif that matched: motifs without a rule always flag."""
    fragments = _fragment_of(mol)
    if motif.rule == "azide_ratio":
        worst = min(
            (_count(mol, f, "C") + _count(mol, f, "O")) / max(_count(mol, f, "N"), 1)
            for f in {fragments[m[0]] for m in matches}
        )
        verdict = ">=" if worst >= AZIDE_MIN_RATIO else "<"
        routine = "isolable, a routine intermediate" if worst >= AZIDE_MIN_RATIO else "energetic"
        return worst < AZIDE_MIN_RATIO, f"(C + O) / N = {worst:.2f} {verdict} {AZIDE_MIN_RATIO:g}: {routine}"
    if motif.rule == "peroxide_rule_of_six":
        flags, notes = False, []
        for frag in {fragments[m[0]] for m in matches}:
            groups = sum(1 for m in matches if m[0] in frag)
            per_group = _count(mol, frag, "C") / groups
            if groups >= 2 and per_group < CARBONS_PER_ENERGETIC_GROUP:
                flags = True
                notes.append(f"{groups} O-O groups with {per_group:.1f} C each (< {CARBONS_PER_ENERGETIC_GROUP})")
            else:
                notes.append(f"{groups} O-O group(s), {per_group:.1f} C each: a routine peroxide")
        return flags, "; ".join(notes)
    return True, ""


def screen(mol: Chem.Mol) -> SafetyResult:
    """Screen one structure (whole and per fragment) against the listed substances and the hazard motifs."""
    target = cap(mol, "H")[0] if is_polymer(mol) else mol
    keys = {_key(target)}
    frags = Chem.GetMolFrags(target, asMols=True, sanitizeFrags=False)
    if len(frags) > 1:
        keys.update(_key(f) for f in frags)
    keys.discard("")
    skeletons = {k[:14] for k in keys}
    hits: list[SafetyHit] = []
    cautions: list[SafetyHit] = []
    for item in listed_substances():
        if item.inchikey in keys:
            hits.append(SafetyHit(item.name, item.category, item.source, "inchikey"))
        elif item.inchikey[:14] in skeletons:
            hits.append(SafetyHit(item.name, item.category, item.source, "inchikey_skeleton"))
    for motif in motifs():
        matches = target.GetSubstructMatches(motif.query, maxMatches=1000)
        if len(matches) < motif.min_count:
            continue
        atoms = sorted({i for m in matches for i in m})
        if target is not mol:  # report indices of the original repeat unit
            back = {new: old for old, new in cap(mol, "H")[1].items()}
            atoms = [back[i] for i in atoms if i in back]
        flags, note = _judge(motif, target, matches)
        source = f"{motif.source}; judged by {_RULE_SOURCE}" if motif.rule else motif.source
        hit = SafetyHit(motif.name, motif.category, source, "substructure", atoms, note)
        (hits if flags else cautions).append(hit)
    return SafetyResult(flagged=bool(hits), hits=hits, cautions=cautions)


# -- names in free text ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameHit:
    """A listed substance (or named class) found in text: what it is, its source, how it matched, and where."""

    name: str
    category: str
    source: str
    matched_by: str  # name, synonym, translation, code, cas, class, name_typo
    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Term:
    term: str  # folded (accents stripped; lower case unless case-sensitive)
    name: str
    category: str
    source: str
    kind: str
    case_sensitive: bool
    pattern: re.Pattern[str]
    exclude_after: re.Pattern[str] | None
    exclude_before: re.Pattern[str] | None


@lru_cache(maxsize=256)
def fold(text: str, *, lower: bool = True) -> str:
    """Strip accents (and lower-case) character by character, so offsets in the result are offsets in ``text``.
    Cached: one message is folded by several screens in a row."""
    if text.isascii():
        return text.lower() if lower else text
    out = []
    for ch in text:
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        base = base if len(base) == 1 else ch
        low = base.lower() if lower else base
        out.append(low if len(low) == 1 else base)
    return "".join(out).replace("ß", "s")


def _is_code(term: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z0-9\-]+", term)) and not term.islower() and len(term) <= 6


def _pattern(term: str, kind: str) -> re.Pattern[str]:
    words = [re.escape(w).replace(r"\-", r"[\-\s]?") for w in term.split()]
    body = r"[\s\-]+".join(words)
    if kind in ("code", "cas"):
        return re.compile(r"(?<![A-Za-z0-9_\-.\[=#@+/\\])" + body + r"(?![A-Za-z0-9_\]=#@+/\\]|-\w)")
    return re.compile(r"(?<![A-Za-z0-9_])" + body + r"(?![A-Za-z0-9_])")


_ACID_HALIDE = re.compile(
    r"\b(\w*?(?:phosph|sulf|sulph|carb|arsen))(on|in)(yl|ic)(\s+(?:di|tri)?(?:fluoride|chloride|bromide|iodide)s?)\b",
    re.I,
)


def _acid_halide_variants(term: str) -> list[str]:
    """Both ways chemists name an acid halide: 'methylphosphonyl difluoride' is also 'methylphosphonic
    difluoride' (and 'methylphosphonic dichloride' also 'methylphosphonyl dichloride')."""
    if not _ACID_HALIDE.search(term):
        return []
    return [_ACID_HALIDE.sub(lambda m: m[1] + m[2] + ("ic" if m[3].lower() == "yl" else "yl") + m[4], term)]


@cache
def name_terms() -> tuple[_Term, ...]:
    """Every term the text screen looks for, with the list entry (or class) it stands for and that entry's source."""
    entries = {row["name"]: row for row in _list_rows()}
    raw: list[tuple[str, str, str, str, str, str, str]] = []  # term, name, category, source, kind, excl after/before
    for row in entries.values():
        for i, term in enumerate([row["name"], *filter(None, row["aliases"].split("|"))]):
            if len(term) > 2:  # two-letter codes come from safety_names.csv, with their exclusions
                kind = "code" if _is_code(term) else ("name" if i == 0 else "synonym")
                raw.append((term, row["name"], row["category"], row["source"], kind, "", ""))
                for variant in _acid_halide_variants(term):
                    raw.append((variant, row["name"], row["category"], row["source"], "synonym", "", ""))
    with open(DATA_DIR / "safety_names.csv", newline="", encoding="utf-8") as fh:
        extra = [r for r in csv.DictReader(fh) if r["kind"] != "lookalike"]
    named = {r["term"]: r for r in extra if r["kind"] in ("name", "class")}
    for r in extra:
        ref = r["refers_to"]
        target = entries.get(ref) or named.get(ref)
        if ref and target is None:
            raise ValueError(f"safety_names.csv: {r['term']!r} refers to unknown entry {ref!r}")
        name = (target["name"] if ref in entries else target["term"]) if target else r["term"]
        category = target["category"] if target else r["category"]
        source = target["source"] if target else r["source"]
        raw.append((r["term"], name, category, source, r["kind"], r["exclude_after"], r["exclude_before"]))
    terms: dict[tuple[str, bool], _Term] = {}
    for term, name, category, source, kind, after, before in raw:
        case_sensitive = kind == "code" and len(term) <= 2 or bool(re.search(r"[A-Z][a-z]?\d", term))
        folded = fold(term, lower=not case_sensitive)
        if kind in ("code", "cas") and not before:
            before = r"\d\s*$"  # "2 GB" is a size, not sarin
        terms.setdefault(
            (folded, case_sensitive),
            _Term(
                folded,
                name,
                category,
                source,
                kind,
                case_sensitive,
                _pattern(folded, kind),
                re.compile(after, re.I) if after else None,
                re.compile(before, re.I) if before else None,
            ),
        )
    return tuple(terms.values())


@cache
def _lexicon() -> frozenset[str]:
    """Words that are chemicals in their own right: never read as a typo of a listed name."""
    from tools.chem.names import synonym_table

    with open(DATA_DIR / "safety_names.csv", newline="", encoding="utf-8") as fh:
        lookalikes = {fold(r["term"]) for r in csv.DictReader(fh) if r["kind"] == "lookalike"}
    return frozenset(synonym_table()) | lookalikes | {t.term for t in name_terms() if not t.case_sensitive}


def _one_edit(a: str, b: str) -> bool:
    """True when a and b differ by exactly one insertion, deletion, substitution or adjacent swap."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        if a[i + 1 :] == b[i + 1 :]:
            return True
        return i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return longer[i + 1 :] == shorter[i:]


_WORD = re.compile(r"[a-z0-9][a-z0-9'\-]*")


@cache
def _typo_terms() -> tuple[_Term, ...]:
    """The listed names long enough to be matched with one typo (codes, CAS numbers and classes never are)."""
    return tuple(
        t
        for t in name_terms()
        if t.kind not in ("code", "cas", "class")
        and not t.case_sensitive
        and sum(c.isalpha() for c in t.term) >= TYPO_MIN_LETTERS
        and re.fullmatch(r"[a-z' \-]+", t.term)
    )


def _typo_hits(folded: str, text: str, taken: list[tuple[int, int]]) -> list[NameHit]:
    words = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(folded)]
    lexicon = _lexicon()
    # Windows of n words, by length: a term is compared only with windows one character shorter, as long, or
    # one longer (a long answer has thousands of windows and there are hundreds of terms).
    by_length: dict[int, dict[int, list[tuple[int, str, int, int]]]] = {}

    def windows(n: int, length: int) -> list[tuple[int, str, int, int]]:
        if n not in by_length:
            buckets: dict[int, list[tuple[int, str, int, int]]] = {}
            for i in range(len(words) - n + 1):
                candidate = " ".join(w for w, _, _ in words[i : i + n])
                buckets.setdefault(len(candidate), []).append((i, candidate, words[i][1], words[i + n - 1][2]))
            by_length[n] = buckets
        found = [w for d in (-1, 0, 1) for w in by_length[n].get(length + d, [])]
        return sorted(found)  # in reading order, as a scan of the text would meet them

    out: list[NameHit] = []
    for t in _typo_terms():
        first, last = t.term[0], t.term[-1]
        for _, candidate, start, end in windows(len(t.term.split()), len(t.term)):
            # one edit keeps the first or the last character (a cheap test before the full one)
            if candidate[0] != first and candidate[-1] != last:
                continue
            if candidate in lexicon or any(s < end and start < e for s, e in taken):
                continue
            if not _one_edit(candidate, t.term):
                continue
            out.append(NameHit(t.name, t.category, t.source, "name_typo", text[start:end], start, end))
            taken.append((start, end))
    return out


def find_names(text: str) -> list[NameHit]:
    """Listed substances, codes, synonyms, CAS numbers and named classes in ``text``, in order of appearance.

    ``find_names("How do I make GB?")`` -> [NameHit(name="sarin", matched_by="code", text="GB", ...)].
    Longer matches win over the shorter ones inside them ("sulfur mustard" over "mustard").
    """
    lower, cased = fold(text), fold(text, lower=False)
    found: list[NameHit] = []
    for t in sorted(name_terms(), key=lambda t: -len(t.term)):
        haystack = cased if t.case_sensitive else lower
        for m in t.pattern.finditer(haystack):
            if t.exclude_after and t.exclude_after.match(lower, m.end()):
                continue
            if t.exclude_before and t.exclude_before.search(lower[: m.start()]):
                continue
            if any(h.start < m.end() and m.start() < h.end for h in found):
                continue
            found.append(NameHit(t.name, t.category, t.source, t.kind, text[m.start() : m.end()], m.start(), m.end()))
    found += _typo_hits(lower, text, [(h.start, h.end) for h in found])
    return sorted(found, key=lambda h: h.start)
