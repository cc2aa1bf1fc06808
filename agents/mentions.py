"""Find the molecules a message talks about: SMILES tokens and names known offline (no model needed)."""

from __future__ import annotations

import re

from rdkit import Chem, RDLogger

from tools.chem.names import normalize_name, synonym_table

RDLogger.DisableLog("rdApp.*")
_TOKEN = re.compile(r"[^\s,;\"'`]+")
_SMILES_HINT = re.compile(r"[()=#\[\]@/\\0-9+*]|[cnos]\d|^[BCNOSPFI][a-z]?[BCNOSPFIclnos]")
_STOP = {"a", "an", "the", "of", "to", "for", "and", "or", "in", "on", "is", "it", "this", "that", "me", "i"}


def _looks_like_smiles(token: str) -> bool:
    if len(token) < 2 or token.lower() in _STOP or token.isalpha() and token.lower() == token and len(token) > 3:
        return False  # ordinary lowercase words are not SMILES even when they parse (e.g. "con")
    if not (_SMILES_HINT.search(token) or token.isupper()):
        return False
    if token.isupper() and len(token) < 3:
        return False  # "CO", "NO", "HI": too ambiguous in prose
    return Chem.MolFromSmiles(token) is not None


def smiles_in(text: str) -> list[str]:
    found = []
    for raw in _TOKEN.findall(text):
        token = raw.rstrip(".?!:")
        if token.startswith("**") and token.endswith("**"):
            token = token[2:-2]  # Markdown bold, not attachment points
        if _looks_like_smiles(token) and token not in found:
            found.append(token)
    return found


def names_in(text: str, max_words: int = 5) -> list[str]:
    """Known names (synonym table), longest match first, left to right."""
    table = synonym_table()
    words = re.findall(r"[\w\-,()'\[\]]+", text)
    found: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(max_words, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + n]).strip(",()")
            key = normalize_name(phrase)
            if key in _STOP or len(key) < 3:
                continue
            if key in table:
                if phrase not in found:
                    found.append(phrase)
                i += n
                break
        else:
            i += 1
    return found


def molecules_in(text: str) -> list[str]:
    """SMILES first, then names, in the order they appear (each as written by the user)."""
    return smiles_in(text) + [n for n in names_in(text) if n not in smiles_in(text)]
