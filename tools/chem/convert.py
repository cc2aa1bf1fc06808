"""Text -> RDKit molecule and back: SMILES, InChI, mol blocks and chemical names, with clear errors.

``parse(text)`` guesses the format: ``InChI=`` prefix -> InChI; a text with ``M  END`` -> mol block; otherwise
SMILES, and when that fails and the text looks like a word, a chemical name (see tools.chem.names).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rdkit import Chem, rdBase
from rdkit.Chem import rdDepictor

from tools.chem.errors import (
    EmptyInput,
    InputTooLong,
    InvalidInchi,
    InvalidMolBlock,
    InvalidSmiles,
    UnknownName,
)
from tools.chem.names import abbreviation_first, resolve_name, suggest

MAX_SMILES_LENGTH = 2_000
"""Longest SMILES accepted (characters). Large natural products and peptides stay well under this."""
MAX_MOLBLOCK_LENGTH = 2_000_000
"""Longest mol block accepted (characters)."""

InputKind = Literal["auto", "smiles", "inchi", "molblock", "name"]
# Lowercase letters that can appear in SMILES outside brackets (aromatic b c n o p s; 'l' of Cl, 'r' of Br).
_NOT_SMILES = re.compile(r"[adefghijkmqtuvwxyz ]")


@dataclass(frozen=True)
class Parsed:
    """A parsed molecule and how it was read: kind ('smiles', 'inchi', 'molblock', 'name') and source."""

    mol: Chem.Mol
    kind: str
    source: str
    text: str


def _check(text: str, limit: int, what: str) -> str:
    if text is None or not str(text).strip():
        raise EmptyInput(f"Empty {what}: give a SMILES, InChI, mol block or chemical name.")
    text = str(text)
    if len(text) > limit:
        raise InputTooLong(f"The {what} is {len(text):,} characters long; the limit is {limit:,}.")
    return text


def _smiles_problem(smiles: str) -> str:
    """Why RDKit rejects a SMILES, in words (syntax vs valence/aromaticity problem)."""
    with rdBase.BlockLogs():
        raw = Chem.MolFromSmiles(smiles, sanitize=False)
        if raw is None:
            return "SMILES syntax error (check brackets, ring-closure digits and element symbols)"
        problems = Chem.DetectChemistryProblems(raw)
    if problems:
        return "; ".join(p.Message() for p in problems[:3])
    return "RDKit could not sanitize it"


def from_smiles(smiles: str, *, sanitize: bool = True) -> Chem.Mol:
    """Read a SMILES (``*`` attachment points allowed). Raises InvalidSmiles with the reason."""
    smiles = _check(smiles, MAX_SMILES_LENGTH, "SMILES").strip()
    with rdBase.BlockLogs():
        mol = Chem.MolFromSmiles(smiles, sanitize=sanitize)
    if mol is None or mol.GetNumAtoms() == 0:
        reason = _smiles_problem(smiles) if mol is None else "no atoms"
        raise InvalidSmiles(f"Invalid SMILES {_short(smiles)}: {reason}.")
    for atom in mol.GetAtoms():
        # An attachment point marks where a repeat unit continues: one bond, to a real atom.
        if atom.GetAtomicNum() == 0 and (
            atom.GetDegree() != 1 or any(n.GetAtomicNum() == 0 for n in atom.GetNeighbors())
        ):
            raise InvalidSmiles(
                f"Invalid SMILES {_short(smiles)}: each attachment point '*' must be bonded to exactly one "
                "real atom (as in *CC(*)c1ccccc1)."
            )
    return mol


def from_inchi(inchi: str) -> Chem.Mol:
    """Read a standard InChI (``InChI=1S/...``). Raises InvalidInchi."""
    inchi = _check(inchi, MAX_SMILES_LENGTH * 2, "InChI").strip()
    with rdBase.BlockLogs():
        mol = Chem.MolFromInchi(inchi)
    if mol is None or mol.GetNumAtoms() == 0:
        raise InvalidInchi(f"Invalid InChI {_short(inchi)}: RDKit/InChI could not read it.")
    return mol


def from_molblock(molblock: str) -> Chem.Mol:
    """Read an MDL mol block (V2000 or V3000). Raises InvalidMolBlock with the reason."""
    molblock = _check(molblock, MAX_MOLBLOCK_LENGTH, "mol block")
    with rdBase.BlockLogs():
        mol = Chem.MolFromMolBlock(molblock)
        if mol is None:
            raw = Chem.MolFromMolBlock(molblock, sanitize=False)
            problems = Chem.DetectChemistryProblems(raw) if raw is not None else []
    if mol is None:
        reason = "; ".join(p.Message() for p in problems[:3]) or "malformed atom/bond block or missing 'M  END'"
        raise InvalidMolBlock(f"Invalid mol block: {reason}.")
    return mol


def from_name(name: str) -> Chem.Mol:
    """Structure for a chemical name (synonym table, then OPSIN). Raises UnknownName."""
    return parse(name, kind="name").mol


def parse_input(text: str, *, kind: InputKind = "auto") -> Parsed:
    """Read any supported text and say how it was read (see module docstring for the guessing rules)."""
    if text is None or not str(text).strip():
        raise EmptyInput("Empty input: give a SMILES, InChI, mol block or chemical name.")
    text = str(text)
    stripped = text.strip()
    if kind == "auto":
        if stripped.startswith("InChI="):
            kind = "inchi"
        elif "M  END" in text or "V2000" in text or "V3000" in text:
            kind = "molblock"
    if kind == "inchi":
        return Parsed(from_inchi(stripped), "inchi", "InChI", stripped)
    if kind == "molblock":
        return Parsed(from_molblock(text), "molblock", "mol block", text)
    if kind == "name":
        match = resolve_name(stripped)
        return Parsed(from_smiles(match.smiles), "name", match.source, stripped)
    if kind == "smiles":
        return Parsed(from_smiles(stripped), "smiles", "SMILES", stripped)
    # auto: SMILES first, then a name when the text cannot be SMILES or looks like a word.
    _check(stripped, MAX_SMILES_LENGTH, "input")
    # "NBS" is valid SMILES (H4BNS) but a chemist means N-bromosuccinimide: an abbreviation written exactly as
    # the name table holds it is read as that name (formulas such as CO are never in the table).
    if (abbreviation := abbreviation_first(stripped)) is not None:
        return Parsed(from_smiles(abbreviation.smiles), "name", abbreviation.source, stripped)
    try:
        return Parsed(from_smiles(stripped), "smiles", "SMILES", stripped)
    except InvalidSmiles as smiles_error:
        try:
            match = resolve_name(stripped)
        except UnknownName:
            if _NOT_SMILES.search(stripped):
                close = suggest(stripped)
                hint = f" Closest known names: {', '.join(close)}." if close else ""
                raise UnknownName(
                    f"{_short(stripped)} is neither a valid SMILES nor a known chemical name (checked the "
                    f"name tables and OPSIN).{hint} Check the spelling, use the IUPAC name, or give a SMILES."
                ) from None
            raise smiles_error from None
        return Parsed(from_smiles(match.smiles), "name", match.source, stripped)


def parse(text: str, *, kind: InputKind = "auto") -> Chem.Mol:
    """SMILES, InChI, mol block or chemical name -> RDKit molecule (``tools.chem.parse("CCO")``).

    Raises a ``tools.chem.errors.ChemError`` subclass (EmptyInput, InputTooLong, InvalidSmiles, InvalidInchi,
    InvalidMolBlock, UnknownName) whose message says what was wrong.
    """
    return parse_input(text, kind=kind).mol


def to_smiles(mol: Chem.Mol, *, isomeric: bool = True) -> str:
    """Canonical SMILES (RDKit canonicalisation; stereo kept unless ``isomeric=False``)."""
    return Chem.MolToSmiles(mol, isomericSmiles=isomeric)


def to_molblock(mol: Chem.Mol) -> str:
    """MDL V2000 mol block (2D coordinates computed if the molecule has none)."""
    if mol.GetNumConformers() == 0:
        mol = Chem.Mol(mol)
        rdDepictor.Compute2DCoords(mol)
    return Chem.MolToMolBlock(mol)


def _short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")
