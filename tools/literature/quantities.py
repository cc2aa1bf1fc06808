"""Which quantity a question asks for (a yield, a temperature, a size ...) and whether a sentence states one:
a number with a unit of that kind. The extractive answer uses it to quote the sentence that carries the
number ("ranged from 7.5% to 10%") rather than one that only mentions the topic ("are shown in Figure 4.6").
"""

from __future__ import annotations

import re

# A number, optionally a range or with an uncertainty: "7.5", "7.5-10", "7.5 to 10", "41.2 ± 0.3", "1.2 × 10^-6".
_NUM = (
    r"(?<![\w.])[~≈<>≤≥±−-]?\s?\d+(?:[.,]\d+)?(?:\s?(?:±|\+/-)\s?\d+(?:\.\d+)?)?"
    r"(?:\s?(?:×|x)\s?10\^?\(?[−-]?\d+\)?)?(?:\s?(?:-|–|—|to|and)\s?[~≈]?\d+(?:[.,]\d+)?)?"
)
_END = r"(?![A-Za-z])"
UNITS: dict[str, str] = {
    "percentage": r"%|percent\b|per cent\b|mol ?%|wt ?%|vol ?%|at ?%|ee\b|de\b",
    "temperature": r"°\s?[CFK]|℃|K(?![a-zA-Z])|degrees?(?: Celsius| C| Kelvin)?\b|(?<=\d )(?:Kelvin|kelvin)\b",
    "concentration": r"[mµμunp]?M(?![a-zA-Z])|mol\s?(?:/|per\s)?\s?L|mol\s?L[−-]1|mol\s?dm[−-]3|[mµμn]?g\s?/\s?[mµμ]?L"
    r"|[mµμn]?g\s?[mµμ]?L[−-]1|ppm\b|ppb\b|mol ?%|wt ?%|equiv\b|eq\.|mmol\s?/\s?g|mg\s?/\s?kg|[mµμ]?mol\s?/\s?kg",
    "size": r"[nµμmcpk]?m(?![a-zA-Zol/])|Å|angstroms?\b|nanometers?\b|micrometers?\b|microns?\b|mm\b",
    "energy": r"[mk]?eV\b|k?J\s?(?:/\s?|\s)?mol(?:[−-]1)?|kcal\s?(?:/\s?|\s)?mol(?:[−-]1)?|[mk]?J(?![a-zA-Z])|kWh\b"
    r"|J\s?/\s?g|cm[−-]1|cm\^?[−-]1|Hartree|kT\b",
    "time": r"h(?![a-zA-Z])|hrs?\b|hours?\b|min(?:utes?)?\b|s(?![a-zA-Z])|sec(?:onds?)?\b|days?\b|weeks?\b|months?\b"
    r"|years?\b|[mµμn]s\b",
    "pressure": r"bar\b|mbar\b|atm\b|[kMG]?Pa\b|Torr\b|psi\b|mmHg\b",
    "mass": r"[mµμk]?g(?![a-zA-Z])|mmol\b|mol\b|tons?\b|tonnes?\b|[kM]?Da\b",
    "voltage": r"[mk]?V(?![a-zA-Z])|V\s?vs\.?",
    "capacity": r"mA\s?h\s?/?\s?g(?:[−-]1)?|mAh\b|m\^?2\s?/?\s?g(?:[−-]1)?|F\s?/\s?g|Wh\s?/\s?kg",
    "current": r"[mµμ]?A\s?(?:/\s?)?cm(?:[−-]?2|\^2)?|[mµμ]?A(?![a-zA-Z])",
    "money": r"(?:US)?\$|USD\b|PKR\b|Rs\.?|€|£",
    "frequency": r"[kMG]?Hz\b|rpm\b",
    "wavenumber": r"cm[−-]1|cm\^?[−-]1",
    "shift": r"ppm\b",
    "molar mass": r"g\s?/\s?mol|g\s?mol[−-]1|[kM]?Da\b",
}
# "3.75-hour electrolysis", "a 365-nm lamp": a hyphen may join number and unit.
_KIND_RE = {kind: re.compile(rf"{_NUM}[\s-]?(?:{units}){_END}") for kind, units in UNITS.items()}
# Currency comes before the number.
_KIND_RE["money"] = re.compile(
    r"(?:(?:US)?\$|USD|PKR|Rs\.?|€|£)\s?\d[\d,]*(?:\.\d+)?|\d[\d,]*(?:\.\d+)?\s?(?:USD|PKR|Rs)\b"
)
_ANY_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?(?![\w])|(?<![\w.])\d+(?:\.\d+)?(?=\s?[%°])")
_COUNT = re.compile(
    r"(?<![\w.,])(?:\d{1,6}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?)"
    r"(?![\w.,%°])",
    re.IGNORECASE,
)
_VALUE = re.compile(r"(?<![\w.])[-−]?\d+(?:\.\d+)?(?![\w])")

# What words in a question ask for which kind of quantity (several kinds may fit: "loading" is a
# concentration or a percentage).
_ASKS: list[tuple[str, tuple[str, ...]]] = [
    (
        r"\byields?\b|\bpercent\w*|\befficienc\w*|\bselectivit\w*|\bconversion\b|\benantiomeric excess\b|\bee\b|"
        r"\bpurity\b|\bshare\b|\bfraction\b|\baccuracy\b|\brecover\w*|\bretention\b|\bretain\w*|\bmoisture\b|"
        r"\bcontent\b|\bhow much of\b|\bproportion\b|\bloss\b|\bdegradation\b|\brate of\b|\bcrystallinity\b|\bexcess\b",
        ("percentage",),
    ),
    (
        r"\btemperatures?\b|\bhow hot\b|\bmelting\b|\bboiling\b|\bheated\b|\bwarm\w*|\b(?:T[cgmN]|Curie|N[ée]el)\b|"
        r"\btransition\b|\bdried\b|\bdry\w*|\bcalcin\w*|\banneal\w*|\breflux\b|\bcool\w*|\bthermal\b|°",
        ("temperature",),
    ),
    (
        r"\bconcentrat\w*|\bmolarity\b|\bmolar\b|\bdose\b|\bloading\b|\bhow concentrated\b|\bamount of\b|"
        r"\bequivalents?\b|\bstrength of\b|\bsolution\b",
        ("concentration", "mass", "percentage"),
    ),
    (
        r"\bsizes?\b|\bdiameters?\b|\bthickness\b|\bthick\b|\blength\b|\bwidth\b|\bradius\b|\bpores?\b|\bdistance\b|"
        r"\bwavelengths?\b|\bemission\b|\babsorption\b|\bemit\w*\b|\babsorb\w*\b|\bpeaks?\b|\blong is\b|\bhow big\b|"
        r"\bhow large\b|\bhow small\b|\bbond length\b|\bspacing\b|\bλ",
        ("size",),
    ),
    (
        r"\benerg\w*|\bbarriers?\b|\bband ?gaps?\b|\bactivation\b|\benthalp\w*|\bfree energy\b|\bbinding\b|\bgap\b|"
        r"\bwork function\b|\bexchange\b|\bsplitting\b",
        ("energy",),
    ),
    (
        r"\bhow long\b|\btimes?\b|\bduration\b|\bhours?\b|\bminutes?\b|\blifetimes?\b|\bperiod\b|\bdays?\b|"
        r"\bhow quickly\b|\bhow fast\b|\bferment\w*\b|\bstability\b",
        ("time",),
    ),
    (r"\bpressures?\b", ("pressure",)),
    (r"\bmass(?:es)?\b|\bweigh\w*|\bgrams?\b|\bscale\b|\bquantity\b", ("mass", "money")),
    (r"\bhow much\b", ("mass", "money", "concentration", "percentage", "time", "energy")),
    (r"\breturn on investment\b|\bROI\b|\breturns?\b", ("percentage", "money")),
    (r"\bpotentials?\b|\bvoltages?\b|\bvolts?\b|\boxidation wave\b", ("voltage",)),
    (r"\bcapacit\w*|\bsurface area\b", ("capacity",)),
    (r"\bcurrent\b", ("current",)),
    (r"\bcosts?\b|\bprices?\b|\bprofit\w*|\bexpens\w*|\bcheap\w*|\brevenue\b|\bbudget\b|\bspend\b", ("money",)),
    (r"\bfrequenc\w*|\brpm\b|\bspeed\b|\bstirr\w*", ("frequency",)),
    (r"\bwavenumbers?\b|\bstretch\w*|\bIR\b|\bFTIR\b|\bvibration\w*", ("wavenumber",)),
    (r"\bchemical shifts?\b|\bshifts?\b|\bNMR\b|\bppm\b", ("shift",)),
    (r"\bmolar mass\b|\bmolecular weight\b|\bmw\b|\bmolecular mass\b", ("molar mass",)),
]
_ASKS_RE = [(re.compile(words, re.IGNORECASE), kinds) for words, kinds in _ASKS]
_COUNT_Q = re.compile(r"\bhow many\b|\bnumber of\b|\bcount\b|\bhow often\b", re.IGNORECASE)
_VALUE_Q = re.compile(
    r"\bwhat (?:is|was|were|are) the (?:value|values|ratio|p[KkH]a?|pI)\b|\bp[Kk]a\w*\b|\bpI\b|\bpH\b|\bratio\b|"
    r"\bisoelectric\b|\bdispersity\b|\bpolydispersity\b|\bef\b|\bDC50\b|\bIC50\b|\bKd\b|"
    r"\bd\.?r\.?\b|\bfactor\b|\bindex\b|\bscore\b|\bvalue\b|\bconstant\b|\bhow (?:much|high|low|large|small)\b|"
    r"\bwhat (?:was|were|is|are) the\b.*\b(?:of|for)\b",
    re.IGNORECASE,
)
_FIGURE_ONLY = re.compile(
    r"\b(?:shown|given|listed|presented|summari[sz]ed|depicted|displayed|illustrated)\s+in\b"
    r"|\b(?:see|in)\s+(?:Fig\.?|Figure|Table|Scheme)\b",
    re.IGNORECASE,
)


def asked_quantities(question: str) -> set[str]:
    """The kinds of quantity a question asks for: {'percentage'} for "What yield ...?", {'count'} for "How many
    ...?", {'value'} for a quantity without a unit (a pKa, a ratio); empty when it asks for none."""
    kinds: set[str] = set()
    for words, ks in _ASKS_RE:
        if words.search(question):
            kinds.update(ks)
    if _COUNT_Q.search(question):
        kinds.add("count")
    if _VALUE_Q.search(question) or (kinds and re.search(r"\b(?:what|which|how)\b", question, re.IGNORECASE)):
        kinds.add("value")
    if kinds and not re.search(r"\b(?:what|which|where|how|at|below|above|give|tell|list)\b|\?", question, re.I):
        return set()
    return kinds


def quantities_in(sentence: str) -> set[str]:
    """The kinds of quantity a sentence states (a number with a unit of that kind; 'count' for a bare count,
    'value' for any number)."""
    found = {kind for kind, rx in _KIND_RE.items() if rx.search(sentence)}
    # Reference markers ("[12]", "12-14" after a word) and years are not values.
    stripped = re.sub(r"\[[\d,\s–-]+\]|\b(?:19|20)\d{2}\b|(?:Fig(?:ure)?|Table|Scheme|Eq|Ref)\.?\s?\S+", " ", sentence)
    if _VALUE.search(stripped):
        found.add("value")
    if _COUNT.search(stripped):
        found.add("count")
    return found


def states_asked_quantity(sentence: str, kinds: set[str]) -> bool:
    """Whether the sentence states a quantity of one of the asked kinds ('value' asks for any number)."""
    if not kinds:
        return False
    found = quantities_in(sentence)
    unit_kinds = kinds - {"value", "count"}
    # A unit was asked for: a bare number is not the answer. Otherwise any number (or count) is.
    return bool(found & (unit_kinds or kinds))


def states_any_number(sentence: str) -> bool:
    return "value" in quantities_in(sentence)


def points_elsewhere(sentence: str) -> bool:
    """The sentence refers to a figure or table for its numbers instead of stating them."""
    return bool(_FIGURE_ONLY.search(sentence)) and not states_any_number(
        re.sub(r"(?:Fig(?:ure)?|Table|Scheme)\.?\s?[\dA-Z.]+", " ", sentence)
    )


# What a question points at inside a paper: "sample A", "entry 1", "product 12", "compound 2a", "19e".
_IDENTIFIER = re.compile(
    r"\b(?:sample|entry|compound|product|azetidine|complex|substrate|catalyst|run|table|cell|device|electrode)s?"
    r"\s+([A-Z]|\d{1,3}[a-z]{0,2})\b|\b(\d{1,3}[a-z]{1,2})\b",
    re.IGNORECASE,
)


def identifiers(question: str) -> list[tuple[str, str]]:
    """(noun, label) pairs a question names ("sample A" -> ('sample', 'A'); "2a" -> ('', '2a'))."""
    out = []
    for m in _IDENTIFIER.finditer(question):
        if m.group(1):
            out.append((m.group(0).split()[0].lower().rstrip("s"), m.group(1)))
        elif not re.fullmatch(r"\d+(?:st|nd|rd|th|h|s|d|nm|mm|ms|mg|ml|mol|kg)", m.group(2), re.IGNORECASE):
            out.append(("", m.group(2)))
    return out


def names_identifier(sentence: str, ids: list[tuple[str, str]]) -> bool:
    """Whether the sentence mentions one of the identifiers ("Sample A: ...", "Sample: A; ...", "product 12")."""
    for noun, label in ids:
        if noun and re.search(rf"\b(?i:{noun})s?\W{{1,3}}{re.escape(label)}\b", sentence):
            return True
        if not noun and re.search(rf"(?<![\w-]){re.escape(label)}(?![\w-])", sentence):
            return True
    return False


def numbers_in(text: str) -> list[str]:
    """The numbers a text states, as written ('7.5', '41.2', '10')."""
    return [m.group(0).lstrip("−-") for m in _VALUE.finditer(text)]
