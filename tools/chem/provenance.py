"""The provenance line every computed value carries."""

from __future__ import annotations

import rdkit

RDKIT_VERSION: str = rdkit.__version__
PROVENANCE: str = f"computed by RDKit {RDKIT_VERSION}"
