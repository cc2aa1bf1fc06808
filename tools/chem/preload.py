"""Imported once by the batch forkserver: workers fork with RDKit, SA fragment scores and catalogs loaded."""

from tools.chem.alerts import CATALOGS, _catalog
from tools.chem.descriptors import _sascorer
from tools.chem.safety import listed_substances, motifs

_sascorer()
for _name in CATALOGS:
    _catalog(_name)
listed_substances()
motifs()
