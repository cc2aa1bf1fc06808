"""chemassist molecule toolkit on RDKit: parse, standardise, describe, filter, search, depict, screen.

Reads like datamol: ``import tools.chem as chem; mol = chem.parse("aspirin"); chem.descriptors(mol).qed``.
Every result carries a provenance line ("computed by RDKit <version>"); errors are tools.chem.errors.ChemError
subclasses with messages a chemist can act on. Pure functions: no UI, no database, nothing of ours imported.
"""

from tools.chem.alerts import CATALOGS, Alert, alerts
from tools.chem.batch import BatchOptions, analyse_batch, analyse_record, map_parallel
from tools.chem.conformer import Conformer3D, conformer_3d
from tools.chem.convert import (
    MAX_SMILES_LENGTH,
    Parsed,
    from_inchi,
    from_molblock,
    from_name,
    from_smiles,
    parse,
    parse_input,
    to_molblock,
    to_smiles,
)
from tools.chem.depict import grid, to_png, to_svg
from tools.chem.descriptors import MolDescriptors, descriptors, qed, sa_score
from tools.chem.errors import (
    ChemError,
    ConformerFailed,
    EmptyInput,
    FileTooLarge,
    InputTooLong,
    InvalidInchi,
    InvalidMolBlock,
    InvalidSmiles,
    UnknownName,
    UnsupportedFile,
)
from tools.chem.filters import RuleResult, ghose, lead_like, lipinski, rule_filters, veber
from tools.chem.identifiers import Identifiers, identifiers
from tools.chem.names import NameMatch, resolve_name
from tools.chem.polymer import attachment_points, cap, is_polymer
from tools.chem.provenance import PROVENANCE, RDKIT_VERSION
from tools.chem.readers import MAX_FILE_BYTES, Record, detect_format, read_records
from tools.chem.report import MoleculeReport, analyse, analyse_mol
from tools.chem.safety import SafetyHit, SafetyResult, screen
from tools.chem.similarity import (
    MCSResult,
    SimilarityHit,
    SubstructureHit,
    fingerprint,
    mcs,
    similarity_search,
    substructure_matches,
    substructure_search,
    tanimoto,
)
from tools.chem.standardize import fragments, standardize

__all__ = [
    "CATALOGS", "MAX_FILE_BYTES", "MAX_SMILES_LENGTH", "PROVENANCE", "RDKIT_VERSION",
    "Alert", "BatchOptions", "ChemError", "Conformer3D", "ConformerFailed", "EmptyInput", "FileTooLarge",
    "Identifiers", "InputTooLong", "InvalidInchi", "InvalidMolBlock", "InvalidSmiles", "MCSResult",
    "MolDescriptors", "MoleculeReport", "NameMatch", "Parsed", "Record", "RuleResult", "SafetyHit",
    "SafetyResult", "SimilarityHit", "SubstructureHit", "UnknownName", "UnsupportedFile",
    "alerts", "analyse", "analyse_batch", "analyse_mol", "analyse_record", "attachment_points", "cap",
    "conformer_3d", "descriptors", "detect_format", "fingerprint", "fragments", "from_inchi", "from_molblock",
    "from_name", "from_smiles", "ghose", "grid", "identifiers", "is_polymer", "lead_like", "lipinski",
    "map_parallel", "mcs", "parse", "parse_input", "qed", "read_records", "resolve_name", "rule_filters",
    "sa_score", "screen", "similarity_search", "standardize", "substructure_matches", "substructure_search",
    "tanimoto", "to_molblock", "to_png", "to_smiles", "to_svg", "veber",
]  # fmt: skip
