"""Standardisation with RDKit's rdMolStandardize: cleanup, parent (largest) fragment, neutralise, tautomer."""

from __future__ import annotations

from functools import cache

from rdkit import Chem, rdBase
from rdkit.Chem.MolStandardize import rdMolStandardize

from tools.chem.errors import ChemError


@cache
def _tools() -> tuple:
    return (
        rdMolStandardize.LargestFragmentChooser(preferOrganic=True),
        rdMolStandardize.Uncharger(),
        rdMolStandardize.TautomerEnumerator(),
    )


def standardize(
    mol: Chem.Mol,
    *,
    cleanup: bool = True,
    largest_fragment: bool = True,
    neutralize: bool = True,
    canonical_tautomer: bool = False,
) -> Chem.Mol:
    """Return a standardised copy of ``mol`` (the input is not changed).

    Steps, each optional and in this order: ``cleanup`` (RDKit's normalisations, e.g. nitro groups to the
    charge-separated form, metal disconnection); ``largest_fragment`` (drop counter-ions and solvents,
    preferring an organic fragment); ``neutralize`` (add/remove H+ to neutralise charges where possible); and
    ``canonical_tautomer`` (off by default: it can change the depicted form).
    """
    chooser, uncharger, tautomers = _tools()
    try:
        with rdBase.BlockLogs():
            out = Chem.Mol(mol)
            if cleanup:
                out = rdMolStandardize.Cleanup(out)
            if largest_fragment:
                out = chooser.choose(out)
            if neutralize:
                out = uncharger.uncharge(out)
            if canonical_tautomer:
                out = tautomers.Canonicalize(out)
    except (ValueError, RuntimeError) as exc:  # RDKit raises these on unsanitisable intermediates
        raise ChemError(f"Standardisation failed: {exc}") from exc
    return out


def fragments(mol: Chem.Mol) -> list[Chem.Mol]:
    """The disconnected fragments (e.g. parent, counter-ion, solvent) as separate molecules."""
    return list(Chem.GetMolFrags(mol, asMols=True, sanitizeFrags=False))
