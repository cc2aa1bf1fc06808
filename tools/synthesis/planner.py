"""The planner: one object holding the template library, the single-step model, the stock and the safety screen.

Used the same way from the CLI, the app's service and notebooks::

    planner = Planner.default()
    planner.single_step("CC(=O)Nc1ccccc1", top_k=10)
    planner.search("CC(=O)Nc1ccccc1", SearchLimits(time_limit_s=60))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tools.synthesis.errors import TargetRefused
from tools.synthesis.library import TemplateLibrary
from tools.synthesis.molecules import canonical_or_raise
from tools.synthesis.routes import SearchResult
from tools.synthesis.safety import SafetyCheck, screen
from tools.synthesis.search import SearchLimits, SearchProgress, search
from tools.synthesis.single_step import ExpansionModel, SimilarityModel, Suggestion
from tools.synthesis.stock import Stock, StockHit


@dataclass
class SingleStepResult:
    target: str
    suggestions: list[Suggestion]
    model: str
    target_in_stock: bool
    message: str = ""

    def to_dict(self) -> dict:
        return {
            "target": self.target,
            "model": self.model,
            "target_in_stock": self.target_in_stock,
            "message": self.message,
            "suggestions": [s.to_dict() for s in self.suggestions],
        }


def load_model(library: TemplateLibrary, kind: str = "auto", cache_dir: Path | None = None) -> ExpansionModel:
    """'similarity' (RetroSim, no training), 'classifier' or 'combined' (the classifier trained into ``cache_dir``,
    else the shipped one), or 'auto': the classifier when one is available, similarity otherwise. On the validation
    split the classifier alone ranked as well as any blend with similarity and takes half the time
    (benchmarks/results/synthesis.md)."""
    if kind == "similarity":
        return SimilarityModel(library)
    from tools.synthesis.classifier import ClassifierModel, classifier_path  # torch only when asked for
    from tools.synthesis.single_step import CombinedModel

    if kind == "auto":
        kind = "classifier" if classifier_path(cache_dir) else "similarity"
        if kind == "similarity":
            return SimilarityModel(library)
    if kind not in ("classifier", "combined"):
        raise ValueError(f"Unknown single-step model '{kind}': use similarity, classifier, combined or auto.")
    classifier = ClassifierModel.load(library, cache_dir)
    if kind == "classifier":
        return classifier
    return CombinedModel(SimilarityModel(library), classifier)


class Planner:
    def __init__(
        self,
        library: TemplateLibrary,
        model: ExpansionModel,
        stock: Stock,
        safety_check: SafetyCheck | None = None,
    ):
        self.library = library
        self.model = model
        self.stock = stock
        self.safety_check = safety_check
        # Load lazy model data now (the similarity model's 40k fingerprints take seconds) so that it is not
        # charged to the first search's time limit.
        warm_up = getattr(model, "warm_up", None)
        if callable(warm_up):
            warm_up()

    @classmethod
    def default(
        cls,
        cache_dir: Path | None = None,
        model: str = "auto",
        use_zinc: bool = False,
        safety_check: SafetyCheck | None = None,
    ) -> Planner:
        library = TemplateLibrary.load()
        return cls(library, load_model(library, model, cache_dir), Stock.default(use_zinc=use_zinc), safety_check)

    def _screened(self, smiles: str) -> str:
        target = canonical_or_raise(smiles)
        verdict = screen(target, self.safety_check)
        if verdict.flagged:
            raise TargetRefused(target, verdict.reason)
        return target

    def single_step(self, smiles: str, top_k: int = 10) -> SingleStepResult:
        """Top-k precursor sets for ``smiles``; raises InvalidSmiles, TargetRefused or InvalidLimits."""
        target = self._screened(smiles)
        suggestions = self.model.propose(target, top_k)
        hit = self.stock.lookup(target)
        message = f"{target} is already in stock ({hit.source}). " if hit else ""
        if not suggestions:
            message += f"No template in the library applies to {target}."
        return SingleStepResult(target, suggestions, self.model.name, hit is not None, message.strip())

    def search(
        self,
        smiles: str,
        limits: SearchLimits | None = None,
        algorithm: str = "best-first",
        progress: Callable[[SearchProgress], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        stop_at_stock: bool = False,
    ) -> SearchResult:
        """Routes from ``smiles`` to stock. A target that is in stock itself still gets routes from other building
        blocks (it is never its own starting material), with a note that it can be bought and from which stock;
        with ``stop_at_stock`` such a target comes back solved with no steps instead."""
        limits = limits or SearchLimits()
        limits.validate()
        target = self._screened(smiles)
        hit = self.stock.lookup(target)
        if hit is not None and stop_at_stock:
            return SearchResult(
                target=target, routes=[], solved=True, iterations=0, expansions=0, elapsed_s=0.0, first_route_s=0.0,
                stop_reason="target in stock", message=f"{target} is already in stock {_where(hit)}: nothing to plan.",
                target_in_stock=True, target_stock_source=hit.source, target_stock_name=hit.name, stopped_at_stock=True,
                algorithm=algorithm, model=self.model.name,
            )  # fmt: skip
        result = search(target, self.model, self.stock, limits, algorithm, progress, should_stop)
        if hit is not None:
            result.target_in_stock = True
            result.target_stock_source, result.target_stock_name = hit.source, hit.name
            found = (
                "the routes below make it from other building blocks"
                if result.solved
                else "no route from other building blocks was found"
            )
            note = f"{target} is already in stock {_where(hit)}, so it can be bought; {found} (the target itself "
            result.message = f"{note}excluded as a starting material). {result.message}".strip()
        return result


def _where(hit: StockHit) -> str:
    """'(uspto50k)' or '(inventory) as “our epoxide ester”'."""
    return f"({hit.source}) as “{hit.name}”" if hit.name else f"({hit.source})"
