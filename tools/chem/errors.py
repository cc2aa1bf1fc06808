"""Errors raised by tools.chem: each message says what was wrong and what to try instead."""

from __future__ import annotations


class ChemError(ValueError):
    """Base class for every tools.chem error (a ValueError, so generic callers can catch it)."""


class EmptyInput(ChemError):
    """Nothing was given (empty or whitespace-only text)."""


class InputTooLong(ChemError):
    """The text is longer than the parser accepts (protects the app from pathological input)."""


class InvalidSmiles(ChemError):
    """The text looks like SMILES but RDKit cannot read it (syntax or valence problem)."""


class InvalidInchi(ChemError):
    """The text starts with 'InChI=' but RDKit cannot read it."""


class InvalidMolBlock(ChemError):
    """A mol block / SDF record that RDKit cannot read."""


class UnknownName(ChemError):
    """No structure was found for a chemical name (synonym table and OPSIN both failed)."""


class FileTooLarge(ChemError):
    """An input file is over the size limit."""


class UnsupportedFile(ChemError):
    """A file whose type or layout cannot be read (e.g. a CSV without a SMILES column)."""


class ConformerFailed(ChemError):
    """No 3D conformer could be embedded for the molecule."""
