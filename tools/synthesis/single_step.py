"""Single-step retrosynthesis: rank templates for a product, apply them with rdchiral, return precursor sets.

Two expansion models behind one small interface (``ExpansionModel.propose``):

* ``SimilarityModel`` is RetroSim (Coley et al., ACS Cent. Sci. 2017): the templates of the training reactions whose
  products are most similar to the target, each outcome scored by product similarity x reactant similarity to the
  precedent. Needs no training.
* ``ClassifierModel`` (tools.synthesis.classifier) is NeuralSym-style: a fingerprint -> template network.

``CombinedModel`` blends both. benchmarks/synthesis_single_step.py measured them on the validation split: the
classifier alone is the planner's default (see benchmarks/results/synthesis.md).

Every model takes an optional ``deadline`` (a ``time.monotonic()`` value): past it, no further template is applied
and the precursor sets found so far are ranked, so that a search's time limit holds inside one slow expansion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Protocol

import numpy as np
from rdchiral.main import rdchiralReactants
from rdkit import DataStructs

from tools.synthesis.errors import InvalidLimits
from tools.synthesis.library import REACTION_CLASSES, Precedent, TemplateLibrary, expired
from tools.synthesis.molecules import canonical_or_raise, fingerprint
from tools.synthesis.protection import ProtectionFlag, protection_flags


@dataclass(frozen=True)
class Suggestion:
    """One way to make ``product`` in one step: the precursor set, its score in [0, 1] and where it came from.

    ``template_count`` is the template's generality (training reactions it was extracted from; 0 when unknown),
    ``precedents`` are training reactions of the template (the nearest products for the similarity model) and
    ``patents`` the template's recorded reactions with patent numbers. ``reaction_class_source`` says whether the
    class is the one USPTO-50k records ("recorded") or predicted for an unlabelled template ("predicted", with
    ``class_confidence``). ``protection`` lists the precursors' groups that may need protecting under the step's
    reaction class (tools.synthesis.protection): None until ``with_protection_check`` ran or when the step cannot be
    judged (no reaction class, centre not recovered), an empty tuple when checked and nothing is flagged."""

    product: str
    reactants: tuple[str, ...]
    score: float
    template_id: int
    template: str
    reaction_class: int | None
    precedents: tuple[Precedent, ...] = field(default=())
    template_count: int = 0
    patents: tuple[Precedent, ...] = field(default=())
    reaction_class_source: str | None = None
    class_confidence: float | None = None
    protection: tuple[ProtectionFlag, ...] | None = None

    @property
    def reactants_smiles(self) -> str:
        return ".".join(self.reactants)

    @property
    def reaction_class_name(self) -> str | None:
        return REACTION_CLASSES.get(self.reaction_class) if self.reaction_class else None

    @property
    def rare_template(self) -> bool:
        """The template was seen in a single training reaction."""
        return self.template_count == 1

    def with_protection_check(self, deadline: float | None = None) -> Suggestion:
        """This step with ``protection`` filled in (one rdchiral application; done for the steps of the routes a
        search returns, not for every candidate it weighs); left unjudged when ``deadline`` (time.monotonic())
        passes first."""
        if self.protection is not None:
            return self
        flags = protection_flags(self.template, self.product, self.reactants, self.reaction_class, deadline)
        return replace(self, protection=flags) if flags is not None else self

    def to_dict(self) -> dict[str, Any]:
        return {
            "product": self.product,
            "reactants": list(self.reactants),
            "score": round(self.score, 4),
            "template_id": self.template_id,
            "template": self.template,
            "template_count": self.template_count,
            "rare_template": self.rare_template,
            "protection_checked": self.protection is not None,
            "protection_flags": [f.to_dict() for f in self.protection or ()],
            "reaction_class": self.reaction_class,
            "reaction_class_name": self.reaction_class_name,
            "reaction_class_source": self.reaction_class_source,
            "class_confidence": self.class_confidence,
            "precedents": [p.to_dict() for p in self.precedents],
            "patents": [p.to_dict() for p in self.patents],
        }


# Canonical precursor set -> (score, template id, precedent rows): what a model ranks, before any top-k cut.
Scored = dict[str, tuple[float, int, list[int]]]


class ExpansionModel(Protocol):
    """What the search needs from a single-step model."""

    name: str

    def propose(self, product: str, top_k: int = 10, deadline: float | None = None) -> list[Suggestion]:
        """The top-k precursor sets, best first; past ``deadline`` (time.monotonic()) it stops applying templates
        and ranks what it has."""
        ...


def _check_top_k(top_k: int) -> None:
    if not 1 <= top_k <= 500:
        raise InvalidLimits(f"top-k must be between 1 and 500, got {top_k}.")


def _suggestion(
    library: TemplateLibrary,
    product: str,
    reactants: str,
    score: float,
    template_id: int,
    precedent_rows: Sequence[int],
) -> Suggestion:
    t = library.template(template_id)
    rows = list(precedent_rows) or list(library.precedent_rows(template_id)[:3])
    reaction_class, source = t.best_class
    return Suggestion(
        product=product,
        reactants=tuple(reactants.split(".")),
        score=float(score),
        template_id=template_id,
        template=t.smarts,
        reaction_class=reaction_class,
        reaction_class_source=source,
        class_confidence=t.class_confidence if source == "predicted" else None,
        precedents=tuple(library.precedent(int(r)) for r in rows[:3]),
        template_count=t.count,
        patents=tuple(library.patent_precedents(template_id)),
    )


COMBINED_WEIGHT = 0.1  # the best top-1 on the validation split (top-5 and top-10 fall a little; see synthesis.md)


class SimilarityModel:
    """RetroSim: apply the templates of the most similar training products; score = sim(product) x sim(reactants)."""

    name = "similarity"

    def __init__(self, library: TemplateLibrary, n_neighbors: int = 100):
        self.library = library
        self.n_neighbors = n_neighbors
        self._reactant_fps: dict[int, list[DataStructs.ExplicitBitVect]] = {}

    @cached_property
    def product_fps(self) -> list[DataStructs.ExplicitBitVect]:
        return [fingerprint(s) for s in self.library.reactions["product"]]

    def warm_up(self) -> None:
        """Fingerprint the training products now rather than on the first call."""
        _ = self.product_fps

    def _precedent_reactant_fps(self, row: int) -> list[DataStructs.ExplicitBitVect]:
        if row not in self._reactant_fps:
            fps = []
            for alternative in self.library.precedent(row).reactants:
                fps.append(fingerprint(alternative))
            self._reactant_fps[row] = fps
        return self._reactant_fps[row]

    def scored_outcomes(self, product: str, deadline: float | None = None) -> Scored:
        """Canonical precursor set -> (score, template id, precedent rows), before any top-k cut; only the
        templates applied before ``deadline`` (time.monotonic()) count."""
        target = canonical_or_raise(product)
        sims = np.asarray(DataStructs.BulkTanimotoSimilarity(fingerprint(target), self.product_fps))
        neighbours = np.argsort(-sims, kind="stable")[: self.n_neighbors]
        template_ids = self.library.reaction_template_ids
        prepared = rdchiralReactants(target)
        outcomes_by_template: dict[int, list[str]] = {}
        best: Scored = {}
        for row in neighbours:
            tid = int(template_ids[row])
            if tid < 0:
                continue
            if expired(deadline):
                break
            if tid not in outcomes_by_template:
                outcomes_by_template[tid] = self.library.apply(tid, prepared, deadline)
            for outcome in outcomes_by_template[tid]:
                ofp = fingerprint(outcome)
                rsim = max(
                    (DataStructs.TanimotoSimilarity(ofp, f) for f in self._precedent_reactant_fps(row)), default=0
                )
                score = float(sims[row]) * rsim
                if outcome not in best:
                    best[outcome] = (score, tid, [int(row)])
                elif score > best[outcome][0]:
                    best[outcome] = (score, tid, [int(row), *best[outcome][2]])
                else:
                    best[outcome][2].append(int(row))
        return best

    def propose(self, product: str, top_k: int = 10, deadline: float | None = None) -> list[Suggestion]:
        _check_top_k(top_k)
        target = canonical_or_raise(product)
        ranked = sorted(self.scored_outcomes(target, deadline).items(), key=lambda kv: -kv[1][0])[:top_k]
        return [_suggestion(self.library, target, smi, s, tid, rows) for smi, (s, tid, rows) in ranked]


def combine(similarity: Scored, classifier: Scored, weight: float) -> Scored:
    """Union of two models' outcomes, score = weight x similarity score + (1 - weight) x classifier score; template
    and precedents from the similarity model where it has the outcome (its precedents are the nearest products)."""
    merged: Scored = {}
    for smi in similarity.keys() | classifier.keys():
        s, c = similarity.get(smi), classifier.get(smi)
        score = weight * (s[0] if s else 0.0) + (1 - weight) * (c[0] if c else 0.0)
        tid, rows = (s[1], s[2]) if s else (c[1], c[2])  # type: ignore[index]
        merged[smi] = (score, tid, rows)
    return merged


class CombinedModel:
    """Outcomes of both models, score = w x similarity score + (1 - w) x classifier probability (w chosen on the
    validation split by benchmarks/synthesis_single_step.py)."""

    name = "combined"

    def __init__(self, similarity: SimilarityModel, classifier: Any, weight: float = COMBINED_WEIGHT):
        self.similarity = similarity
        self.classifier = classifier
        self.library = similarity.library
        self.weight = weight

    def warm_up(self) -> None:
        self.similarity.warm_up()

    def scored_outcomes(self, product: str, top_k: int = 10, deadline: float | None = None) -> Scored:
        target = canonical_or_raise(product)
        return combine(
            self.similarity.scored_outcomes(target, deadline),
            self.classifier.scored_outcomes(target, top_k, deadline),
            self.weight,
        )

    def propose(self, product: str, top_k: int = 10, deadline: float | None = None) -> list[Suggestion]:
        _check_top_k(top_k)
        target = canonical_or_raise(product)
        ranked = sorted(self.scored_outcomes(target, top_k, deadline).items(), key=lambda kv: -kv[1][0])[:top_k]
        return [_suggestion(self.library, target, smi, s, tid, rows) for smi, (s, tid, rows) in ranked]
