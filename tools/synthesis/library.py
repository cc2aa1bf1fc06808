"""The template library: rdchiral retro templates with counts, reaction classes and precedent reactions.

The default library is the USPTO-50k training set shipped in ``data/`` (see data/PROVENANCE.md): 10,198 templates
extracted with rdchiral, the 39,713 training reactions whose products are the precedents of each template, and the
4,163 validation reactions with a library template, whose patent numbers let a chemist look a precedent up.

``apply`` takes an optional deadline (a ``time.monotonic()`` value). rdchiral has no time limit of its own, and one
template on a large molecule with many matching sites (a 40-mer of tert-butyl acrylate: 246 raw matches, 6 s) spends
its time in rdchiralRun's Python loop over RDKit's raw outcomes; handing that loop the outcomes one at a time until
the deadline (``_OutcomesUntil``) stops it after the outcome in hand (tens of milliseconds). What cannot be cut is
RDKit's own RunReactants call that makes the raw outcomes (up to about a second for a 60-unit oligomer).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator, Sequence
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


def expired(deadline: float | None) -> bool:
    """Whether a ``time.monotonic()`` deadline has passed (never, for None)."""
    return deadline is not None and time.monotonic() >= deadline


class _OutcomesUntil:
    """RDKit's raw outcomes, handed out one at a time until the deadline passes (rdchiralRun only tests them for
    emptiness and iterates over them)."""

    def __init__(self, outcomes: Sequence[Any], deadline: float):
        self.outcomes = outcomes
        self.deadline = deadline

    def __bool__(self) -> bool:
        return bool(self.outcomes)

    def __len__(self) -> int:
        return len(self.outcomes)

    def __iter__(self) -> Iterator[Any]:
        for outcome in self.outcomes:
            if expired(self.deadline):
                return
            yield outcome


class _ReactionUntil:
    """An RDKit reaction whose RunReactants outcomes stop at a deadline; everything else is the wrapped reaction."""

    def __init__(self, rxn: Any, deadline: float):
        self._rxn = rxn
        self._deadline = deadline

    def RunReactants(self, *args: Any, **kwargs: Any) -> _OutcomesUntil:  # noqa: N802 (RDKit's name)
        return _OutcomesUntil(self._rxn.RunReactants(*args, **kwargs), self._deadline)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._rxn, name)


def _until(rxn: rdchiralReaction, deadline: float) -> rdchiralReaction:
    timed = copy.copy(rxn)  # shallow: shares the compiled templates, which rdchiralRun resets on every call anyway
    timed.rxn = _ReactionUntil(rxn.rxn, deadline)
    return timed


@dataclass(frozen=True)
class Precedent:
    """A recorded reaction that used a template: its id, product and reactants (alternatives when ambiguous);
    ``patent`` is the US patent or application number where the data records one (validation reactions only)."""

    id: str
    product: str
    reactants: tuple[str, ...]
    patent: str | None = None
    reaction_class: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "patent": self.patent,
            "reaction_class": self.reaction_class,
            "reaction_smiles": f"{self.reactants[0]}>>{self.product}" if len(self.reactants) == 1 else None,
            "product": self.product,
            "reactants": list(self.reactants),
        }


@dataclass(frozen=True)
class Template:
    """A retro template; ``count`` is its generality: how many training reactions it was extracted from.

    ``reaction_class`` is the class USPTO-50k records for the template's validation reactions; where it records
    none, ``predicted_class`` (with ``class_confidence``) comes from tools.synthesis.reaction_classes."""

    id: int
    smarts: str
    count: int
    reaction_class: int | None
    predicted_class: int | None = None
    class_confidence: float | None = None

    @property
    def class_name(self) -> str | None:
        return REACTION_CLASSES.get(self.reaction_class) if self.reaction_class else None

    @property
    def best_class(self) -> tuple[int | None, str | None]:
        """(class, 'recorded' or 'predicted'), or (None, None) when neither is known."""
        if self.reaction_class:
            return self.reaction_class, "recorded"
        if self.predicted_class:
            return self.predicted_class, "predicted"
        return None, None

    @property
    def rare(self) -> bool:
        """Seen in one training reaction only: a step resting on a single example deserves a second look."""
        return self.count <= 1


class TemplateLibrary:
    """Templates plus training reactions, with cached rdchiral application."""

    def __init__(
        self,
        templates: pd.DataFrame,
        reactions: pd.DataFrame,
        patents: pd.DataFrame | None = None,
        predicted_classes: pd.DataFrame | None = None,
    ):
        self.templates = templates.reset_index(drop=True)
        self.reactions = reactions.reset_index(drop=True)
        self._compiled: dict[int, rdchiralReaction | None] = {}
        self._by_id = {int(t): i for i, t in enumerate(self.templates.template_id)}
        self._predicted: dict[int, tuple[int, float]] = {}
        if predicted_classes is not None:
            self._predicted = {
                int(t): (int(c), float(p))
                for t, c, p in zip(
                    predicted_classes.template_id,
                    predicted_classes.predicted_class,
                    predicted_classes.confidence,
                    strict=True,
                )
            }
        self._patents: dict[int, list[Precedent]] = {}
        if patents is not None:
            for row in patents.itertuples(index=False):
                cls_ = int(row.reaction_class) if str(row.reaction_class).strip() else None
                precedent = Precedent(str(row.id), str(row.product), (str(row.reactants),), str(row.id), cls_)
                self._patents.setdefault(int(row.template_id), []).append(precedent)

    @classmethod
    def load(cls, data_dir: Path = DATA_DIR) -> TemplateLibrary:
        """The shipped USPTO-50k library (about 2 s)."""
        templates = pd.read_csv(data_dir / "templates.csv.gz", keep_default_na=False)
        reactions = pd.read_csv(data_dir / "train_reactions.csv.gz", keep_default_na=False)
        patents_file = data_dir / "patent_reactions.csv.gz"
        patents = pd.read_csv(patents_file, keep_default_na=False) if patents_file.exists() else None
        classes_file = data_dir / "template_classes.csv.gz"
        classes = pd.read_csv(classes_file) if classes_file.exists() else None
        return cls(templates, reactions, patents, classes)

    def __len__(self) -> int:
        return len(self.templates)

    def template(self, template_id: int) -> Template:
        row = self.templates.iloc[self._by_id[template_id]]
        cls_ = row.reaction_class
        predicted, confidence = self._predicted.get(template_id, (None, None))
        return Template(
            int(row.template_id),
            str(row.retro_template),
            int(row.train_count),
            int(cls_) if cls_ else None,
            predicted,
            confidence,
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

    def patent_precedents(self, template_id: int, limit: int = 3) -> list[Precedent]:
        """Recorded reactions of this template with their patent numbers (USPTO-50k validation split)."""
        return self._patents.get(template_id, [])[:limit]

    def compiled(self, template_id: int) -> rdchiralReaction | None:
        """The rdchiral reaction for a template, compiled once (None if rdchiral cannot load it)."""
        if template_id not in self._compiled:
            try:
                self._compiled[template_id] = rdchiralReaction(self.template(template_id).smarts)
            except Exception:  # a handful of extracted templates do not compile; skip them, never crash
                self._compiled[template_id] = None
        return self._compiled[template_id]

    def apply(self, template_id: int, product: rdchiralReactants | str, deadline: float | None = None) -> list[str]:
        """Canonical precursor sets ('.'-joined SMILES) that template ``template_id`` gives for ``product``.

        With a ``deadline`` (``time.monotonic()`` value) it stops once the deadline passes and returns the precursor
        sets made so far: none if it had passed already."""
        rxn = self.compiled(template_id)
        if rxn is None or expired(deadline):
            return []
        if deadline is not None:
            rxn = _until(rxn, deadline)
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
