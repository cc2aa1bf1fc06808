"""Errors raised by the synthesis planner; the app turns them into clear messages."""

from __future__ import annotations


class SynthesisError(Exception):
    """Base class: the message is written for the chemist."""


class InvalidSmiles(SynthesisError):
    """The input could not be read as a molecule."""

    def __init__(self, smiles: str):
        self.smiles = smiles
        super().__init__(
            f"'{smiles}' is not a valid SMILES string: RDKit could not parse it. Check brackets and rings."
        )


class TargetRefused(SynthesisError):
    """The safety screen flagged the target; no routes are planned for it."""

    def __init__(self, smiles: str, reason: str):
        self.smiles = smiles
        self.reason = reason
        super().__init__(f"Synthesis planning refused for {smiles}: {reason}")


class InvalidLimits(SynthesisError):
    """A search or model parameter is out of range (negative time limit, top-k of 0...)."""


class InvalidStockFile(SynthesisError):
    """An uploaded inventory file could not be read."""


class ModelNotBuilt(SynthesisError):
    """A trained artifact (the template classifier) is missing from the cache directory."""
