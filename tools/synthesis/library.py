"""The template library: rdchiral retro templates with counts, reaction classes and precedent reactions.

The default library is the USPTO-50k training set shipped in ``data/`` (see data/PROVENANCE.md): 10,198 templates
extracted with rdchiral, and the 39,713 training reactions whose products are the precedents of each template.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rdchiral.main import rdchiralReactants, rdchiralReaction, rdchiralRun

from tools.synthesis.molecules import canonical

DATA_DIR = Path(__file__).resolve().parent / "data"

REACTION_CLASSES = {
    1: "heteroatom alkylation and arylation",
    2: "acylation and related processes",
    3: "C-C bond formation",
    4: "heterocycle formation",
    5: "protection",
    6: "deprotection",
    7: "reduction",
    8: "oxidation",
    9: "functional group interconversion",
    10: "functional group addition",
}


@dataclass(frozen=True)
class Precedent:
    """A recorded reaction that used a template: its id, product and reactants (alternatives when ambiguous)."""

    id: str
    product: str
    reactants: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "reaction_smiles": f"{self.reactants[0]}>>{self.product}" if len(self.reactants) == 1 else None,
            "product": self.product,
            "reactants": list(self.reactants),
        }


@dataclass(frozen=True)
class Template:
    id: int
    smarts: str
    count: int
    reaction_class: int | None

    @property
    def class_name(self) -> str | None:
        return REACTION_CLASSES.get(self.reaction_class) if self.reaction_class else None


class TemplateLibrary:
    """Templates plus training reactions, with cached rdchiral application."""

    def __init__(self, templates: pd.DataFrame, reactions: pd.DataFrame):
        self.templates = templates.reset_index(drop=True)
        self.reactions = reactions.reset_index(drop=True)
        self._compiled: dict[int, rdchiralReaction | None] = {}
        self._by_id = {int(t): i for i, t in enumerate(self.templates.template_id)}

    @classmethod
    def load(cls, data_dir: Path = DATA_DIR) -> TemplateLibrary:
        """The shipped USPTO-50k library (about 2 s)."""
        templates = pd.read_csv(data_dir / "templates.csv.gz", keep_default_na=False)
        reactions = pd.read_csv(data_dir / "train_reactions.csv.gz", keep_default_na=False)
        return cls(templates, reactions)

    def __len__(self) -> int:
        return len(self.templates)

    def template(self, template_id: int) -> Template:
        row = self.templates.iloc[self._by_id[template_id]]
        cls_ = row.reaction_class
        return Template(
            int(row.template_id), str(row.retro_template), int(row.train_count), int(cls_) if cls_ else None
        )

    @cached_property
    def reaction_template_ids(self) -> np.ndarray:
        return self.reactions.template_id.to_numpy(dtype=np.int64)

    @cached_property
    def _precedent_rows(self) -> dict[int, np.ndarray]:
        ids = self.reaction_template_ids
        order = np.argsort(ids, kind="stable")
        bounds = np.flatnonzero(np.diff(ids[order])) + 1
        return {int(ids[g[0]]): g for g in np.split(order, bounds) if len(g)}

    def precedent(self, row: int) -> Precedent:
        r = self.reactions.iloc[row]
        return Precedent(str(r.id), str(r["product"]), tuple(s for s in str(r.reactants).split("|") if s))

    def precedent_rows(self, template_id: int) -> np.ndarray:
        """Row numbers of the training reactions recorded with this template."""
        return self._precedent_rows.get(template_id, np.empty(0, dtype=np.int64))

    def precedents(self, template_id: int, limit: int = 3) -> list[Precedent]:
        return [self.precedent(int(i)) for i in self.precedent_rows(template_id)[:limit]]

    def compiled(self, template_id: int) -> rdchiralReaction | None:
        """The rdchiral reaction for a template, compiled once (None if rdchiral cannot load it)."""
        if template_id not in self._compiled:
            try:
                self._compiled[template_id] = rdchiralReaction(self.template(template_id).smarts)
            except Exception:  # a handful of extracted templates do not compile; skip them, never crash
                self._compiled[template_id] = None
        return self._compiled[template_id]

    def apply(self, template_id: int, product: rdchiralReactants | str) -> list[str]:
        """Canonical precursor sets ('.'-joined SMILES) that template ``template_id`` gives for ``product``."""
        rxn = self.compiled(template_id)
        if rxn is None:
            return []
        reactants = rdchiralReactants(product) if isinstance(product, str) else product
        try:
            outcomes = rdchiralRun(rxn, reactants, combine_enantiomers=False)
        except Exception:  # rdchiral raises on odd valences / kekulisation; such an outcome is simply absent
            return []
        result = []
        for outcome in outcomes:
            smiles = canonical(outcome)
            if smiles and smiles not in result:
                result.append(smiles)
        return result
