"""Building-block stock: molecules a route may stop at, looked up by InChIKey.

Three sources, checked in order: the lab's own inventory (CSV with a ``smiles`` column and optional ``name``), the
shipped USPTO-50k building blocks (data/stock.csv.gz: every reactant of the training and validation reactions, a
stand-in for a catalogue), and optionally the molbloom bloom filter of ZINC20 in-stock compounds
(``catalog="zinc-instock-mini"``), which is probabilistic: a "yes" can be a false positive, so hits are labelled.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tools.synthesis.errors import InvalidStockFile
from tools.synthesis.library import DATA_DIR
from tools.synthesis.molecules import canonical, inchikey

MAX_INVENTORY_ROWS = 200_000


@dataclass(frozen=True)
class StockHit:
    """Where a molecule was found: 'inventory' (with the lab's name), 'uspto50k' or 'zinc-instock (probabilistic)'."""

    source: str
    name: str | None = None


@dataclass(frozen=True)
class InventoryReport:
    added: int
    skipped: list[str]


class Stock:
    """InChIKey set per source; ``lookup`` says which source holds a molecule, ``in_stock`` just whether one does."""

    def __init__(self, shipped_keys: set[str] | None = None, use_zinc: bool = False, shipped_name: str = "uspto50k"):
        self.shipped = shipped_keys or set()
        self.shipped_name = shipped_name
        self.inventory: dict[str, str | None] = {}
        self.use_zinc = use_zinc
        self._cache: dict[str, StockHit | None] = {}

    @classmethod
    def default(cls, use_zinc: bool = False, data_dir: Path = DATA_DIR) -> Stock:
        keys = set(pd.read_csv(data_dir / "stock.csv.gz", usecols=["inchikey"]).inchikey)
        return cls(keys, use_zinc=use_zinc)

    @classmethod
    def from_smiles(cls, smiles: list[str]) -> Stock:
        """A small stock from SMILES (tests, or a lab that wants only its own shelf)."""
        return cls({k for s in smiles if (k := inchikey(s))}, shipped_name="custom")

    def __len__(self) -> int:
        return len(self.shipped | set(self.inventory))

    def lookup(self, smiles: str) -> StockHit | None:
        if smiles in self._cache:
            return self._cache[smiles]
        key = inchikey(smiles)
        hit: StockHit | None = None
        if key is None:
            hit = None
        elif key in self.inventory:
            hit = StockHit("inventory", self.inventory[key])
        elif key in self.shipped:
            hit = StockHit(self.shipped_name)
        elif self.use_zinc and _zinc_has(smiles):
            hit = StockHit("zinc-instock (probabilistic)")
        self._cache[smiles] = hit
        return hit

    def in_stock(self, smiles: str) -> bool:
        return self.lookup(smiles) is not None

    def add_inventory(self, source: str | Path | io.TextIOBase) -> InventoryReport:
        """Add a lab inventory CSV (columns ``smiles`` and optionally ``name``) on top of the shipped stock.

        ``source`` is a path or an open text stream (an upload). Unreadable SMILES are skipped and reported.
        """
        try:
            if isinstance(source, str | Path):
                with open(source, newline="", encoding="utf-8") as fh:
                    rows = list(csv.DictReader(fh))
            else:
                rows = list(csv.DictReader(source))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise InvalidStockFile(f"Could not read the inventory file: {exc}") from exc
        if not rows or "smiles" not in {(k or "").strip().lower() for k in rows[0]}:
            raise InvalidStockFile(
                "The inventory CSV needs a header row with a 'smiles' column (and optionally 'name')."
            )
        if len(rows) > MAX_INVENTORY_ROWS:
            raise InvalidStockFile(f"The inventory has {len(rows)} rows; the limit is {MAX_INVENTORY_ROWS}.")
        added, skipped = 0, []
        for row in rows:
            norm = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            smiles = norm.get("smiles", "")
            key = inchikey(smiles) if smiles and canonical(smiles) else None
            if key is None:
                skipped.append(smiles)
                continue
            self.inventory[key] = norm.get("name") or None
            added += 1
        self._cache.clear()
        return InventoryReport(added, skipped)


def _zinc_has(smiles: str) -> bool:
    import molbloom  # imported lazily: loading the filter takes a moment and most stocks never need it

    try:
        return bool(molbloom.buy(smiles, catalog="zinc-instock-mini", canonicalize=True))
    except Exception:  # molbloom raises on SMILES it cannot canonicalise; treat as not purchasable
        return False
