"""Safety guard: refuse synthesis help for controlled or highly hazardous substances (tools.chem.safety)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import tools.chem as chem
from agents.mentions import molecules_in
from tools.chem.errors import ChemError

_SYNTHESIS_TEXT = re.compile(r"⇐|\b(route|steps?|react\w*|reagents?|precursors?|synthes\w*|prepare)\b", re.I)


@dataclass(frozen=True)
class Verdict:
    flagged: bool
    reason: str = ""


def screen_molecule(text: str) -> Verdict:
    """Screen one SMILES or name; unparseable input is not flagged (the tools report it instead)."""
    try:
        result = chem.screen(chem.parse(text))
    except ChemError:
        return Verdict(False)
    if not result.flagged:
        return Verdict(False)
    hits = "; ".join(f"{h.name} ({h.category}; {h.source})" for h in result.hits)
    return Verdict(True, f"`{text}` is flagged by the safety screen: {hits}.")


def screen_request(text: str) -> Verdict:
    """Flag a request that asks how to make a listed substance."""
    for molecule in molecules_in(text):
        verdict = screen_molecule(molecule)
        if verdict.flagged:
            return verdict
    return Verdict(False)


def refusal(verdict: Verdict) -> str:
    return (
        "I can't help with making or obtaining this substance. "
        f"{verdict.reason} chemassist does not plan syntheses of chemical-weapon agents, their precursors or "
        "explosives. If this is legitimate regulated work, follow your institution's controlled-substance "
        "procedures and talk to your safety officer."
    )


def screen_answer(text: str) -> Verdict:
    """An answer that gives synthesis details for a listed substance is withheld."""
    if not _SYNTHESIS_TEXT.search(text):
        return Verdict(False)
    return screen_request(text)
