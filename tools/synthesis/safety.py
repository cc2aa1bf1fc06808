"""Refuse synthesis planning for dangerous targets.

The app plugs in tools.chem's full safety screen as a ``SafetyCheck`` (any callable SMILES -> SafetyVerdict).
The built-in fallback below always runs as well, so that chemical-weapon agents on data/refused_targets.csv
(CWC Schedule 1 and TNT; sources in that file) are refused even before that wiring exists. Matching is on the
InChIKey connectivity block, so stereoisomers and isotopic or charge variants of a listed agent are refused too.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from tools.synthesis.library import DATA_DIR
from tools.synthesis.molecules import inchikey


@dataclass(frozen=True)
class SafetyVerdict:
    flagged: bool
    reason: str = ""


SafetyCheck = Callable[[str], SafetyVerdict]


@lru_cache(maxsize=1)
def _refused() -> dict[str, tuple[str, str]]:
    with open(DATA_DIR / "refused_targets.csv", newline="", encoding="utf-8") as fh:
        return {row["inchikey"].split("-")[0]: (row["name"], row["source"]) for row in csv.DictReader(fh)}


def builtin_screen(smiles: str) -> SafetyVerdict:
    """Flag the agents on the shipped list (by InChIKey connectivity block)."""
    key = inchikey(smiles)
    if key and (hit := _refused().get(key.split("-")[0])):
        name, source = hit
        return SafetyVerdict(True, f"the target is {name} ({source}); planning its synthesis is not supported.")
    return SafetyVerdict(False)


def screen(smiles: str, extra: SafetyCheck | None = None) -> SafetyVerdict:
    """The built-in list first, then the caller's screen if given."""
    verdict = builtin_screen(smiles)
    if verdict.flagged or extra is None:
        return verdict
    return extra(smiles)
