"""Safety guard: refuse help to make, obtain, scale up or weaponise listed agents, precursors and explosives,
and answer information questions (properties, hazards, storage, disposal, regulation) about any chemical.

One verdict type for every decision (a request, a tool call, an answer). A request is refused when
- it asks to weaponise anything or to harm people ("disperse ... in a subway", "poison someone"), or
- it asks to make / synthesise / prepare / scale up (or to buy / obtain) something the screen identifies:
  a listed agent, precursor or explosive by name, code, synonym, CAS number, typo or structure (SMILES,
  salts, systematic names via OPSIN), a named class ("nerve agent", "explosive"), or (to make only) a
  structure with a hazard motif that the rules do not clear (tools.chem.safety).
Information questions pass even when they name a listed substance: the tools report its public facts with the
safety flag. An explosive precursor asked for at or below its EU restriction threshold (3 % hydrogen peroxide)
does not count, and a listed chemical used as a reagent ("... with thionyl chloride") is not the thing made.

Intent is read from the words around each mention: the thing made is the object of a production verb or noun
("make VX", "route to GB", "sarin synthesis", "how is VX made", "TATP - how do I make it?"), not a reagent
after "with / using / from". Hand-written because no library reads chemical intent offline; the labelled set
in tools/chem/data/safety_requests.jsonl measures it (benchmarks/safety_screen.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import tools.chem as chem
from agents.mentions import names_in, smiles_in
from tools.chem.errors import ChemError
from tools.chem.safety import find_names, fold

WEAPON_CATEGORIES = ("chemical_weapon", "explosive")  # agents and explosives themselves, not precursors
_SYNTHESIS_TOOLS = ("plan_synthesis", "screen_candidates")  # tools that make or design the named structure


@dataclass(frozen=True)
class Verdict:
    """The guard's decision. ``intent`` is make / obtain / weaponise when flagged; ``hits`` name each list entry
    (or named class) with its category and source."""

    flagged: bool
    reason: str = ""
    intent: str = ""
    hits: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    text: str
    label: str  # "sarin (chemical_weapon; OPCW ... 1A(1))"
    category: str
    listed: bool  # a list entry or a named class: refused to make and to obtain
    named_class: bool = False  # "nerve agent", "explosive": a class, not one substance
    threshold: float | None = None  # explosive precursor: EU restriction threshold, % w/w
    product: bool = False  # the product side of a reaction SMILES


@dataclass
class _Tok:
    kind: str  # word, num, pct, punct, arrow, mention
    text: str
    start: int
    end: int
    mention: int = -1
    tail: str = ""  # for a mention: the two characters after it ("'s" marks a possessive)


@dataclass
class _Reading:
    text: str
    mentions: list[_Mention] = field(default_factory=list)
    toks: list[_Tok] = field(default_factory=list)


# -- what is named or drawn --------------------------------------------------------------------------------

_THRESHOLD = re.compile(r"restricted above (\d+(?:\.\d+)?) ?%")
_HAZARD_FRAGMENT = re.compile(
    r"fluorid|phosphon|phosphor|chloroethyl|nitr|azid|peroxi|arsin|arsen|cyan|perchlor|chlorat|fulmin|picr|"
    r"styphn|triazin|tetrazol|diazo|mustard"
)


def _threshold(category: str, source: str) -> float | None:
    m = _THRESHOLD.search(source)
    return float(m.group(1)) if category == "explosive_precursor" and m else None


def _label(name: str, category: str, source: str, note: str = "") -> str:
    return f"{name} ({category}; {note + '; ' if note else ''}{source})"


def _structure_mention(text: str, start: int, query: str, product: bool = False) -> _Mention | None:
    try:
        result = chem.screen(chem.parse(query))
    except ChemError:
        return None
    if not result.hits:
        return None
    listed = [h for h in result.hits if h.matched_by.startswith("inchikey")]
    first = (listed or result.hits)[0]
    label = "; ".join(_label(h.name, h.category, h.source, h.note) for h in (listed or result.hits))
    return _Mention(
        start,
        start + len(text),
        text,
        label,
        first.category,
        listed=bool(listed),
        threshold=_threshold(first.category, first.source) if listed else None,
        product=product,
    )


def _locate(text: str, token: str, cursor: int) -> int:
    at = text.find(token, cursor)
    if at < 0:
        at = fold(text).find(fold(token))
    return at


def _mentions(text: str) -> list[_Mention]:
    """Every listed or hazardous thing named or drawn in ``text``, by position (overlaps resolved)."""
    found = [
        _Mention(
            h.start,
            h.end,
            h.text,
            _label(h.name, h.category, h.source),
            h.category,
            listed=True,
            named_class=h.matched_by == "class",
            threshold=_threshold(h.category, h.source),
        )
        for h in find_names(text)
    ]
    cursor = 0
    for token in re.findall(r"\S+>\S*>\S+", text):  # reaction SMILES: the product side is what is made
        at = _locate(text, token, cursor)
        product = token.rsplit(">", 1)[1].rstrip(".?!,;:")
        if at >= 0 and (m := _structure_mention(token, at, product, product=True)):
            found.append(m)
    for molecule in [*smiles_in(text), *names_in(text)]:
        at = _locate(text, molecule, 0)
        if at < 0 or any(m.start < at + len(molecule) and at < m.end for m in found):
            continue
        if m := _structure_mention(molecule, at, molecule):
            found.append(m)
    return sorted(found, key=lambda m: m.start)


# -- what is asked --------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*\s*%|\d+(?:[.,]\d+)*|[a-z][a-z0-9'\-]*|->|→|⇒|>>|[?!.;,:]")
_MAKE_VERB = re.compile(
    r"(?:re)?make|makes|making|synthesi[sz]es?|synthesi[sz]ing|prepare|prepares|preparing|produce|produces|"
    r"producing|manufacture|manufactures|manufacturing|cook|cooks|cooking|brew|brewing|create|creating|generate|"
    r"generating|assemble|assembling|build|building|extract|extracting|isolate|isolating|purify|purifying|"
    r"concentrate|concentrating|distil|distill|distilling|crystalli[sz]e|upscale|herstellen|synthetisieren|"
    r"fabriquer|fabrique|synthetiser|preparer|produire|hacer|hago|haga|fabricar|sintetizar|sintetiza|preparar|"
    r"producir|fazer|produzir|fabbricare|produrre|sintetizzare|preparare|stellt|stelle|stellen|design|designing|"
    r"devise|invent|engineer"
)
_MAKE_PHRASE = re.compile(
    r"\b(?:whip(?:s|ping)? up|cook(?:s|ing)? up|put(?:ting)? together|scal(?:e|es|ing) (?:it |this |that )?up|"
    r"scale-up|mass[- ]produc\w+|come si fa|como se hace|como hacer|comment faire)\b"
)
_MAKE_NOUN = re.compile(
    r"synthesis|syntheses|synthese|sintesis|sintesi|preparation|production|manufacture|recipe|recipes|"
    r"retrosynthesis|retrosynthetic|retro-synthesis|route|routes|scale-up|scaleup|batch|batches|precursors|"
    r"ingredients|feedstock|reagents|herstellung|fabrication|fabricacion|produccion|elaboracion"
)
_MAKE_NOUN_PHRASE = re.compile(
    r"\b(?:starting materials?|synthetic (?:route|pathway|path)s?|"
    # a quantity to be made: "GD at 500 g scale", "on a kilo scale", "which reactor and conditions"
    r"(?:at|on|in) (?:a |the )?(?:\d+(?:[.,]\d+)?\s*(?:mg|g|kg|grams?|kilos?|kilograms?|l|litres?|liters?|tons?|"
    r"tonnes?|lbs?|pounds?)|kilo|kilogram|gram|multi-?gram|pilot|plant|industrial|production|bulk)[- ]scale|"
    r"which reactor|what reactor|reactor (?:and|&) conditions)\b"
)
_NOT_MAKE = re.compile(
    r"\b(?:routes? (?:of|for) (?:exposure|administration|entry|absorption|uptake|elimination|metabolism|"
    r"degradation|decomposition|disposal)|exposure routes?|precursors? of|make sure|make sense|"
    r"make up for|made up|what (?:makes|made|make)|why (?:does|did|do) \w+ make|get rid|get(?:ting)? exposed|"
    r"(?:do|does|would|will|could|can) (?!i\b|we\b|you\b|one\b)(?:\w+ ){1,3}make (?:such )?(?:good|great|better|"
    r"poor|bad|excellent|ideal|effective|powerful|strong))\b"
)
_PAST = re.compile(r"made|produced|synthesi[sz]ed|prepared|manufactured|hergestellt|fabrique|fabricado|sintetizado")
_OBTAIN = re.compile(
    r"buy|buying|purchase|purchasing|acquire|acquiring|procure|procuring|obtain|obtaining|import|importing|"
    r"smuggle|smuggling|steal|stealing|kaufen|besorgen|bekommen|acheter|obtenir|procurer|comprar|conseguir|"
    r"obtener|comprare|ottenere|get|getting|sells|supplier|suppliers|vendor|vendors"
)
_OBTAIN_PHRASES = [
    re.compile(p)
    for p in (
        r"\bget (?:hold of|(?:my|our) hands on|some|a supply of)\b",
        r"\blay (?:my|our) hands on\b",
        r"\bwhere (?:can|could|do|would|might|should) (?:i|we|one|you|someone|people) (?:get|find)\b",
        r"\bwhere to (?:get|find)\b",
        r"\b(?:to|i|we|can|could|you|should|best) sourc(?:e|ing)\b(?! of\b)",
        r"(?<!in )(?<!first )(?<!second )(?<!bond )(?<!reaction )(?<!the )\border(?:ing)?\b(?! of\b)(?! to\b)"
        r"(?! parameter)(?! magnitude)",
    )
]
_OBTAIN_ANY = re.compile(  # acquisition around the rules: applies to everything named in the sentence
    r"\bwithout (?:a |an |the |any )?(?:\w+ )?(?:licen[cs]e|permit|id|identification|paperwork|background check|"
    r"registration|questions|trace|tracking|records?)\b|\bwithout (?:it )?(?:being |getting )?(?:reported|noticed|"
    r"tracked|traced|flagged|registered)\b|\banonymous(?:ly)?\b|\bno questions asked\b|\bdark ?web\b|"
    r"\bblack market\b"
)
_WEAPONISE = re.compile(
    r"\bweaponi[sz]\w*|\bas an? (?:chemical |biological )?weapons?\b|"
    r"\b(?:to|i|we|i'll|we'll|i'd|gonna)\s+(?:\w+\s+){0,2}?"
    r"(?:poison|kill|murder|harm|hurt|injure|incapacitate|blind|gas|sicken|assassinate)(?:s|ing|ed)?\s+"
    r"(?:\w+\s+){0,2}?(?:someone|somebody|people|persons?|humans?|him|her|them|crowds?|civilians|neighbou?rs?|"
    r"enemies|everyone|victims?|passengers|students|my (?:wife|husband|boss|family|neighbou?r|coworkers?|"
    r"colleagues?|kids|children))\b|"
    r"\bmass casualt\w*|\bmaximum (?:casualt\w*|damage|harm)|\bterror(?:ist|ism)?\b|"
    r"\b(?:carry out|plan|launch|stage|commit|conduct|perpetrate)\s+(?:an?\s+)?(?:\w+\s+){0,2}attacks?\b|"
    r"\b(?:undetectable|untraceable)\s+(?:poison|toxin|agent|gas)\w*|"
    r"\b(?:pipe|car|nail|letter|fertili[sz]er|suicide|dirty)\s+bombs?\b|\bsuicide vest|\bbooby[- ]?trap|"
    r"\bset off (?:an? |the )?(?:bomb|charge|device|explosi\w*)|\bremote(?:ly)? detonat\w*|"
    r"\bexplosive (?:charge|vest|belt|device|payload)s?\b|\bshrapnel\b"
)
_DISPERSE = re.compile(
    r"\b(?:dispers\w*|disseminat\w*|aerosoli[sz]\w*|spray\w*|releas\w*|deploy\w*|spread\w*|pump\w*|"
    r"slip\w*|lace|lacing|spike|spiking|vapori[sz]\w*)\b"
)
_TARGET = re.compile(
    r"\b(?:crowds?|subway|metro|underground station|ventilation|hvac|air[- ]?conditioning|stadium|arena|"
    r"population|people|public (?:place|space|transport)s?|civilians|water supply|reservoir|concert|"
    r"(?:someone|somebody)'?s? (?:food|drink|coffee|tea|glass))\b"
)
_HOW_TO = re.compile(
    r"\b(?:how (?:do|can|could|would|should|might|to|is|are)|best way|easiest way|most effective|i want|i'd like|"
    r"i need|help me|teach me|tell me how|plan to|going to|let me)\b"
)
_NEGATED = re.compile(
    r"(?:(?:don't|do not|dont|never|not|won't|will not) (?:want|plan|intend|going|trying|aim|try) to|"
    r"(?:avoid|avoiding|prevent|preventing|minimi[sz]e|minimi[sz]ing|stop|without|reduce|suppress)(?: \w+){0,2}|"
    r"can't|cannot|can not|won't|not|never) $"
)
_REAGENT = {
    "with", "using", "use", "uses", "used", "employing", "from", "via", "by", "over", "plus", "presence",
    "catalysed", "catalyzed", "treat", "treating", "treated", "react", "reacting", "reacted", "oxidant",
    "oxidiser", "oxidizer", "reagent", "catalyst", "solvent", "initiator", "avec", "con", "mit", "com",
}  # fmt: skip
_DILUTION = {
    "solution", "solutions", "dilution", "dilute", "diluted", "stock", "buffer", "standard", "standards",
    "calibrant", "titrant", "aqueous", "reference", "sample", "samples",
}  # fmt: skip
_LINK = {"of", "for", "to", "towards", "toward", "into", "de", "del", "du", "des", "di", "von", "fur", ":"}
_FILLER = {
    "a", "an", "the", "some", "any", "my", "our", "your", "their", "own", "me", "us", "you", "i", "we", "it",
    "its", "this", "that", "these", "those", "one", "of", "for", "to", "into", "towards", "toward", "in", "at",
    "on", "up", "out", "about", "can", "could", "would", "should", "will", "shall", "do", "does", "did", "is",
    "are", "was", "were", "be", "been", "being", "have", "has", "had", "need", "needs", "needed", "want",
    "wants", "required", "require", "requires", "necessary", "how", "what", "which", "where", "why",
    "small", "large", "big", "little", "few", "couple", "lot", "lots", "bit", "amount", "amounts", "quantity",
    "quantities", "batch", "batches", "sample", "samples", "gram", "grams", "g", "kg", "mg", "kilo", "kilos",
    "kilogram", "kilograms", "pound", "pounds", "lb", "lbs", "liter", "liters", "litre", "litres", "l", "ml",
    "gallon", "gallons", "ton", "tons", "tonne", "tonnes", "mol", "mole", "moles", "more", "enough", "much",
    "many", "several", "pure", "purest", "crude", "high-purity", "highly", "concentrated", "high-concentration",
    "high", "concentration", "strength", "grade", "stable", "stabilised", "stabilized", "weapon-grade",
    "weapons-grade", "military-grade", "homemade", "home-made", "fresh", "active", "live", "real", "actual",
    "working", "functional", "effective", "potent", "strong", "stronger", "powerful", "simple", "quick",
    "quickly", "easy", "easily", "cheap", "cheaply", "safely", "simply", "properly", "salt", "salts", "form",
    "version", "hydrochloride", "hcl", "free", "base", "analogue", "analog", "analogues", "analogs",
    "derivative", "derivatives", "isomer", "enantiomer", "agent", "gas", "liquid", "solid", "powder",
    "crystals", "home", "lab", "laboratory", "garage", "kitchen", "basement", "shed", "also", "just", "then",
    "now", "really", "very", "please", "step-by-step", "full", "complete", "detailed", "best", "good", "new",
    "man", "du", "de", "des", "le", "la", "les", "el", "los", "las", "un", "una", "uno", "il", "lo", "della",
    "del", "der", "die", "das", "den", "dem", "ein", "eine", "einen", "se", "si", "en", "em", "casa", "como",
    "comment", "wie", "come", "ich", "kann", "puedo", "je", "peux", "posso", "'s", "sufficient", "bulk",
    "industrial", "scale", "kilogram-scale", "gram-scale", "multi-gram", "multigram", "x", "times",
    "anhydrous", "racemic", "crystalline", "neat", "dry", "kilo-scale", "larger", "bigger", "go", "goes",
    "organophosphate", "organophosphorus", "novel", "unlisted", "unscheduled", "lethal", "deadly", "toxic",
    "volatile", "persistent", "cas", "number", "no", "rn", "compound", "chemical", "substance", "molecule",
    "target", "product", "process", "processes", "method", "methods", "procedure", "protocol", "steps", "step",
    "instructions", "details", "conditions", "analysis", "scheme", "plan", "pathway", "sequence", "strategy",
}  # fmt: skip
_PRONOUN = {"it", "them", "this", "that", "these", "those", "some", "one", "lo", "la", "es", "ihn", "le", "les"}
_TAIL_OK = _FILLER | {
    "myself", "ourselves", "yourself", "scratch", "legally", "here", "too", "again", "instead", "locally",
    "online", "anonymously", "somewhere", "anywhere", "industrially", "without", "compound", "molecule",
    "substance", "chemical", "stuff", "safely", "fast", "cheaply", "quietly", "her", "by", "detail", "exactly",
    "precisely", "sale",
}  # fmt: skip
_CONJUNCTION = {",", "or", "and", "oder", "ou", "und", "et", "y", "o", "e"}
_END = {".", "?", "!", ";"}


def _tokens(text: str, mentions: Sequence[_Mention]) -> list[_Tok]:
    folded = fold(text)
    out: list[_Tok] = []
    taken = 0
    for i, m in enumerate(mentions):
        for t in _TOKEN.finditer(folded, taken, m.start):
            if t.end() == m.start and t.group().endswith("-"):
                continue  # a locant glued to the name: "O-" in "O-isopropyl methylphosphonofluoridate"
            out.append(_tok(t))
        out.append(_Tok("mention", m.text, m.start, m.end, i, text[m.end : m.end + 2]))
        taken = max(taken, m.end)
    out += [_tok(t) for t in _TOKEN.finditer(folded, taken)]
    return out


def _tok(t: re.Match[str]) -> _Tok:
    s = t.group()
    if s.endswith("%"):
        kind = "pct"
    elif s[0].isdigit():
        kind = "num"
    elif s in ("->", "→", "⇒", ">>"):
        kind = "arrow"
    elif len(s) == 1 and s in "?!.;,:":
        kind = "punct"
    else:
        kind = "word"
    return _Tok(kind, s, t.start(), t.end())


@dataclass(frozen=True)
class _Cue:
    kind: str  # make_verb, make_noun, past, obtain, into
    first: int  # token indices, inclusive
    last: int


def _span_tokens(toks: Sequence[_Tok], start: int, end: int) -> tuple[int, int] | None:
    idx = [i for i, t in enumerate(toks) if t.kind != "mention" and t.start >= start and t.end <= end]
    return (idx[0], idx[-1]) if idx else None


def _cues(text: str, toks: Sequence[_Tok]) -> list[_Cue]:
    folded = fold(text)
    blocked = [(m.start(), m.end()) for m in _NOT_MAKE.finditer(folded)]
    cues: list[_Cue] = []

    def negated(first: int) -> bool:
        before = " ".join(t.text for t in toks[max(0, first - 5) : first])
        return bool(_NEGATED.search(before + " "))

    for i, t in enumerate(toks):
        if t.kind != "word" or any(s <= t.start < e for s, e in blocked):
            continue
        kind = (
            "make_verb"
            if _MAKE_VERB.fullmatch(t.text)
            else "make_noun"
            if _MAKE_NOUN.fullmatch(t.text)
            else "obtain"
            if _OBTAIN.fullmatch(t.text)
            else "past"
            if _PAST.fullmatch(t.text)
            else ""
        )
        if t.text in ("stellt", "stelle", "stellen") and not re.search(r"\bher\b", folded[t.end :]):
            kind = ""
        if kind and not negated(i):
            cues.append(_Cue(kind, i, i))
    for pattern, kind in [
        (_MAKE_PHRASE, "make_verb"),
        (_MAKE_NOUN_PHRASE, "make_noun"),
        *((p, "obtain") for p in _OBTAIN_PHRASES),
    ]:
        for m in pattern.finditer(folded):
            span = _span_tokens(toks, m.start(), m.end())
            if span and not negated(span[0]):
                cues.append(_Cue(kind, *span))
    for i, t in enumerate(toks):  # "turn A into B", "convert A to B", "A -> B": B is made
        if t.kind == "arrow":
            cues.append(_Cue("into", i, i))
        elif t.text in ("into", "to") and t.kind == "word":
            sentence = _sentence_before(toks, i)
            if any(w.text in ("turn", "turns", "convert", "converts", "transform", "change") for w in sentence):
                cues.append(_Cue("into", i, i))
    return cues


def _sentence_before(toks: Sequence[_Tok], i: int) -> list[_Tok]:
    out: list[_Tok] = []
    for t in reversed(toks[:i]):
        if t.text in _END:
            break
        out.append(t)
    return out[::-1]


def _content(gap: Sequence[_Tok]) -> int:
    """Words in a gap that name something else (not articles, amounts, grades, places, links)."""
    skip = _FILLER | _LINK | _CONJUNCTION
    return sum(1 for t in gap if t.kind == "word" and t.text not in skip)


def _forward(toks: Sequence[_Tok], cue: _Cue, at: int, mention: _Mention, stated: float | None) -> bool:
    """The mention at token ``at`` is the object of ``cue`` (cue before it in the same sentence)."""
    gap = toks[cue.last + 1 : at]
    if len(gap) > 8 or any(t.text in _END for t in gap) or any(t.text in _REAGENT for t in gap):
        return False
    if cue.kind == "make_noun" and gap and not any(t.text in _LINK for t in gap):
        return False
    content = 0
    for t in gap:
        if t.text in _CONJUNCTION and content:
            return False  # "make an acid chloride, thionyl chloride or ..." names another thing first
        content += _content([t])
    if content:
        return False
    if re.match(r"['’]s", toks[at].tail):
        return False  # "get sarin's structure": the thing asked about is the structure
    dilution = any(t.text in _DILUTION for t in gap)
    if dilution and mention.category not in WEAPON_CATEGORIES:
        return stated is not None and mention.threshold is not None and stated > mention.threshold
    return True


def _followed_by_end(toks: Sequence[_Tok], after: int, *, pronoun: bool) -> bool:
    """After the cue: (a pronoun, if asked) then only words like 'at home' / 'myself' up to the sentence end."""
    rest = toks[after + 1 :]
    if pronoun and len(rest) > 1 and rest[0].text in _LINK and rest[1].text in _PRONOUN:
        rest = rest[1:]  # "a route to it", "the synthesis of it"
    if pronoun:
        if not rest or rest[0].text not in _PRONOUN:
            return False
        rest = rest[1:]
    for t in rest:
        if t.text in _END or t.kind == "mention":
            return True
        if t.kind == "word" and t.text not in _TAIL_OK:
            return False
    return True


def _backward(toks: Sequence[_Tok], cue: _Cue, at: int) -> bool:
    """The mention at token ``at`` is what a later cue in the same sentence makes or obtains."""
    gap = toks[at + 1 : cue.first]
    if any(t.text in _END for t in gap) or any(t.text in _REAGENT for t in gap):
        return False
    if cue.kind == "make_noun":  # "sarin synthesis", "my nitroglycerin batch"
        return len(gap) <= 3 and _content(gap) == 0
    if cue.kind == "past":  # "how is VX made?"
        sentence = _sentence_before(toks, cue.first)
        how = any(t.text in ("how", "como", "comment", "wie", "come") for t in sentence)
        return how and len(gap) <= 3 and _content(gap) == 0 and _followed_by_end(toks, cue.last, pronoun=False)
    if cue.kind in ("make_verb", "obtain"):  # "TATP: how do I make it?", "nitromethane, where to buy?"
        return (
            len(gap) <= 8
            and _content(gap) == 0
            and (_followed_by_end(toks, cue.last, pronoun=True) or _followed_by_end(toks, cue.last, pronoun=False))
        )
    return False


def _reagent_marked(toks: Sequence[_Tok], at: int) -> bool:
    return any(t.text in _REAGENT for t in toks[max(0, at - 3) : at])


def _stated_concentration(text: str, m: _Mention) -> float | None:
    window = fold(text)[max(0, m.start - 30) : m.end + 25]
    found = re.findall(r"(\d+(?:[.,]\d+)?)\s*(?:%|percent|per cent)", window)
    return float(found[0].replace(",", ".")) if found else None


def _blocks(m: _Mention, stated: float | None, intent: str) -> bool:
    if intent == "obtain" and not m.listed:
        return False  # a motif is a reason not to plan a synthesis, not a reason to refuse a purchase question
    return not (m.threshold is not None and stated is not None and stated <= m.threshold)


MAX_NAME_LOOKUPS = 3  # OPSIN takes about a second per name: a long message gets the first three


def _read(text: str, *, resolve: bool = True) -> _Reading:
    mentions = _mentions(text)
    reading = _Reading(text, mentions, _tokens(text, mentions))
    if resolve:
        _resolve_objects(reading)
    return reading


def _resolve_objects(reading: _Reading) -> None:
    """Add systematic names that follow a production cue (OPSIN), e.g. 'synthesis of propan-2-yl ...'."""
    toks = reading.toks
    added = False
    lookups = 0
    for cue in _cues(reading.text, toks):
        if cue.kind not in ("make_verb", "make_noun") or lookups >= MAX_NAME_LOOKUPS:
            continue
        end = toks[cue.last].end
        rest = reading.text[end:]
        m = re.match(
            r"\s*(?:(?:a|an|the|some|of|for|to|me|us|pure|small|batch|sample)\s+)*"
            r"(.+?)(?=\s+(?:from|with|using|via|by|in|at|on|for|because|so|without|please|starting)\b|[?!;]|"
            r"\.\s|\.$|,\s|$)",
            rest,
            re.I,
        )
        if not m or len(m.group(1)) > 80 or len(m.group(1).split()) > 8:
            continue
        phrase, start = m.group(1).strip(), end + m.start(1)
        if not _HAZARD_FRAGMENT.search(fold(phrase)) or any(
            x.start < start + len(phrase) and start < x.end for x in reading.mentions
        ):
            continue
        lookups += 1
        if mention := _structure_mention(phrase, start, phrase):
            reading.mentions.append(mention)
            added = True
    if added:
        reading.mentions.sort(key=lambda x: x.start)
        reading.toks = _tokens(reading.text, reading.mentions)


def _targets(reading: _Reading, context: Sequence[_Reading]) -> list[tuple[_Mention, str]]:
    """(mention, intent) for each mention that a production or acquisition cue is about."""
    toks, text = reading.toks, reading.text
    cues = _cues(text, toks)
    out: list[tuple[_Mention, str]] = []
    positions = [i for i, t in enumerate(toks) if t.kind == "mention"]
    for at in positions:
        m = reading.mentions[toks[at].mention]
        stated = _stated_concentration(text, m)
        if m.product and _blocks(m, stated, "make"):
            out.append((m, "make"))
            continue
        for cue in cues:
            intent = "obtain" if cue.kind == "obtain" else "make"
            if cue.kind == "past" and cue.last < at:
                before = [t.text for t in toks[max(0, cue.first - 2) : cue.first]]
                if not {"i", "we", "i've", "we've", "have", "once", "after"} & set(before):
                    continue  # "who first synthesised sarin" is history
            hit = (
                _forward(toks, cue, at, m, stated)
                if cue.last < at
                else _backward(toks, cue, at)
                if cue.first > at
                else False
            )
            if hit and _blocks(m, stated, intent):
                out.append((m, intent))
                break
    for cue in cues:  # "make it", "buy some": the thing named earlier, or earlier in the conversation
        if cue.kind == "past" or not _followed_by_end(toks, cue.last, pronoun=True):
            continue
        intent = "obtain" if cue.kind == "obtain" else "make"
        named = [
            (r.mentions[r.toks[i].mention], r)
            for r in [reading]
            for i, t in enumerate(r.toks)
            if t.kind == "mention" and not _reagent_marked(r.toks, i)
        ]
        if not reading.mentions:
            named = [(x, r) for r in context for x in r.mentions]
        out += [(x, intent) for x, r in named if _blocks(x, _stated_concentration(r.text, x), intent)]
    sentences = re.split(r"(?<=[.?!;])\s+", fold(text))
    offset = 0
    for sentence in sentences:
        start = fold(text).find(sentence, offset)
        offset = start + len(sentence)
        if _OBTAIN_ANY.search(sentence):
            out += [(m, "obtain") for m in reading.mentions if start <= m.start < offset and m.listed]
    return out


def _weaponise(text: str, reading: _Reading) -> str:
    folded = fold(text)
    if m := _WEAPONISE.search(folded):
        return m.group()
    for sentence in re.split(r"(?<=[.?!;])\s+", folded):
        verb = _DISPERSE.search(sentence)
        if not verb or not _HOW_TO.search(sentence):
            continue
        if t := _TARGET.search(sentence):
            return f"{verb.group()} ... {t.group()}"
        start = folded.find(sentence)
        agents = [
            m for m in reading.mentions if start <= m.start < start + len(sentence) and m.category in WEAPON_CATEGORIES
        ]
        if agents:
            return f"{verb.group()} {agents[0].text}"
    return ""


def screen_request(text: str, context: Iterable[str] = ()) -> Verdict:
    """Flag a request that asks to make, obtain or weaponise a listed agent, precursor or explosive, or to harm
    people with any chemical. ``context``: the conversation's earlier requests, for "how do I make it?"."""
    reading = _read(text)
    if weapon := _weaponise(text, reading):
        return Verdict(
            True,
            f"The request asks how to use a chemical as a weapon or to harm people (“{weapon}”).",
            "weaponise",
        )
    targets = _targets(reading, [_read(c) for c in context])
    if not targets:
        return Verdict(False)
    labels = tuple(dict.fromkeys(m.label for m, _ in targets))
    mention, intent = targets[0]
    return Verdict(
        True,
        f"The request asks to {intent} `{mention.text}`, flagged by the safety screen: {'; '.join(labels)}.",
        intent,
        labels,
    )


def screen_molecule(text: str) -> Verdict:
    """Screen one SMILES or name as a thing to be made (planning, design): listed substances and hazard motifs
    the rules do not clear; unparseable input is not flagged (the tools report it instead)."""
    named = [h for h in find_names(text) if h.start == 0 and h.end >= len(text.strip())]
    try:
        result = chem.screen(chem.parse(text))
    except ChemError:
        result = None
    hits = [_label(h.name, h.category, h.source, h.note) for h in (result.hits if result else [])]
    hits += [_label(h.name, h.category, h.source) for h in named]
    if not hits:
        return Verdict(False)
    hits = list(dict.fromkeys(hits))
    return Verdict(True, f"`{text}` is flagged by the safety screen: {'; '.join(hits)}.", "make", tuple(hits))


def screen_tool_call(name: str, args: Mapping[str, Any]) -> Verdict:
    """Every tool call: targets of synthesis planning and analog design are screened as things to make; the
    text of any other call (a literature question, say) as a request."""
    values = [str(v) for v in args.values() if isinstance(v, str) and v.strip()]
    for value in values:
        verdict = screen_molecule(value) if name in _SYNTHESIS_TOOLS else screen_request(value)
        if verdict.flagged:
            return verdict
    return Verdict(False)


_PROCEDURE = re.compile(
    r"\b\d+(?:\.\d+)?\s*(?:g|mg|kg|ml|l|mmol|mol|equiv|eq)\b|\b\d+\s*°\s*c\b|\breflux\w*|\bdropwise\b|"
    r"\bstep \d|\b(?:add|stir|heat|cool|distil|filter|wash|dry|mix|combine|quench|dissolve|neutrali[sz]e|"
    r"recrystalli[sz]e|evaporate|decant)(?:s|ed|ing)?\b|⇐",
    re.I,
)


def screen_answer(text: str) -> Verdict:
    """An answer that reads like a procedure for making a listed agent or explosive is withheld. Answers that
    only name one (its properties, its safety flag, its source list) pass."""
    if len({m.group().lower() for m in _PROCEDURE.finditer(text)}) < 2:
        return Verdict(False)
    reading = _read(text, resolve=False)
    agents = [m for m in reading.mentions if m.category in WEAPON_CATEGORIES and m.listed and not m.named_class]
    if not agents or not any(c.kind != "obtain" for c in _cues(text, reading.toks)):
        return Verdict(False)
    labels = tuple(dict.fromkeys(m.label for m in agents))
    return Verdict(True, f"The answer describes how to make {agents[0].text}: {'; '.join(labels)}.", "make", labels)


def refusal(verdict: Verdict) -> str:
    return (
        "I can't help with making or obtaining this substance. "
        f"{verdict.reason} chemassist does not help to make, obtain or weaponise chemical-weapon agents, their "
        "precursors or explosives. Questions about properties, hazards, storage, disposal or regulation are "
        "welcome. If this is legitimate regulated work, follow your institution's controlled-substance "
        "procedures and talk to your safety officer."
    )
