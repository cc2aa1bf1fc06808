"""The agent's tools: thin LangChain wrappers over tools/ with JSON-schema arguments and JSON results.

Every result is a JSON object that says where its numbers come from (`provenance`), or `{"error": ...}` with
a message the model (and the chemist) can act on. Domain errors never escape as exceptions.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field
from rdkit import Chem, DataStructs

import tools.chem as chem
from tools.chem.errors import ChemError

MAX_SIMILAR = 20
log = logging.getLogger(__name__)


class MoleculeQuery(BaseModel):
    query: str = Field(description="A SMILES, InChI or chemical name, e.g. 'aspirin' or 'CC(=O)Oc1ccccc1C(=O)O'.")


class SimilarQuery(BaseModel):
    query: str = Field(description="A SMILES or chemical name to find neighbours of.")
    k: int = Field(default=5, ge=1, le=MAX_SIMILAR, description="How many neighbours to return.")


class PredictQuery(BaseModel):
    query: str = Field(description="A SMILES or chemical name; polymer repeat units use two [*] atoms.")
    properties: list[str] | None = Field(
        default=None,
        description="Subset of: esol (aqueous logS), lipophilicity (logD7.4), freesolv (hydration free energy), "
        "tg (polymer glass transition, K). Default: those that apply to the structure.",
    )


class ScreenQuery(BaseModel):
    seed: str = Field(description="Seed structure (SMILES or name) whose simple analogs are enumerated.")
    windows: dict[str, list[float | None]] = Field(
        default_factory=dict,
        description="Property windows [low, high] (null = open), in model units: tg in K, esol in log(mol/L). "
        "Example: {'tg': [523.15, null]} for Tg > 250 °C.",
    )


class LiteratureQuery(BaseModel):
    question: str = Field(description="The question to answer from the lab's literature library.")


@dataclass
class ToolContext:
    """What the tools need from the application (paths and services), passed in by app/."""

    milvus_uri: str | None = None
    stock_files: list[Path] = field(default_factory=list)
    synthesis_time_limit_s: float = 20.0
    synthesis_cache_dir: Path | None = None
    literature_chat_model: Any = None  # a model for literature answers; None = extractive
    # The app passes its own cached store: Milvus Lite lets one process hold a file, so all share one client.
    store_provider: Callable[[], Any] | None = None
    # Likewise the app's planner (templates + model loaded once per process, the lab's inventory in its stock).
    planner_provider: Callable[[], Any] | None = None
    _store: Any = field(default=None, init=False, repr=False)
    _retriever: Any = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def literature_store(self) -> Any:
        from tools.literature import LiteratureStore

        if self.store_provider is not None:
            return self.store_provider()
        with self._lock:
            if self._store is None:
                if not self.milvus_uri:
                    raise RuntimeError("No literature library is configured.")
                self._store = LiteratureStore(self.milvus_uri)
            return self._store

    def retriever(self) -> Any:
        from tools.literature import Retriever

        store = self.literature_store()
        with self._lock:
            if self._retriever is None or self._retriever.store is not store:
                self._retriever = Retriever(store)
            return self._retriever

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None


def _json(result: dict[str, Any]) -> str:
    return json.dumps(result, default=str)


def _safe(func: Callable[..., dict[str, Any]]) -> Callable[..., str]:
    def run(**kwargs: Any) -> str:
        try:
            return _json(func(**kwargs))
        except ChemError as exc:
            return _json({"error": str(exc)})
        except Exception as exc:  # a tool failure must reach the model as a message, not end the turn
            log.exception("tool %s failed", func.__name__)
            return _json({"error": f"{func.__name__} failed: {exc}"})

    run.__name__ = func.__name__
    run.__doc__ = func.__doc__
    return run


def molecule_info(query: str) -> dict[str, Any]:
    """Identifiers, descriptors, rule filters, structural alerts and the safety screen (computed by RDKit)."""
    return chem.analyse(query).to_record()  # structures are drawn by the UI, not sent to the model


@lru_cache(maxsize=1)
def _reference_set() -> tuple[list[dict[str, Any]], list[Any]]:
    """The measured molecules shipped with the property models, with their fingerprints (built once)."""
    from tools.properties import datasets

    rows: list[dict[str, Any]] = []
    fps: list[Any] = []
    for name in ("esol", "freesolv", "lipophilicity"):
        spec = datasets.resolve(name)
        for record in datasets.load(name).itertuples():
            mol = Chem.MolFromSmiles(record.smiles)
            if mol is None:
                continue
            rows.append(
                {
                    "smiles": record.smiles,
                    "name": record.name,
                    "dataset": spec.label,
                    "measured": f"{record.value} {spec.unit}",
                    "citation": spec.citation,
                }
            )
            fps.append(chem.fingerprint(mol))
    return rows, fps


def find_similar(query: str, k: int = 5) -> dict[str, Any]:
    """Nearest molecules (Morgan Tanimoto) among the measured molecules the property models were trained on."""
    mol = chem.parse(query)
    rows, fps = _reference_set()
    scores = DataStructs.BulkTanimotoSimilarity(chem.fingerprint(mol), fps)
    best = sorted(range(len(scores)), key=lambda i: -scores[i])[: min(k, MAX_SIMILAR)]
    hits = [{**rows[i], "similarity": round(scores[i], 3)} for i in best]
    return {
        "query": query,
        "smiles": chem.to_smiles(mol),
        "hits": hits,
        "provenance": "Tanimoto on Morgan fingerprints computed by RDKit; measured values quoted from the "
        "cited data sets",
    }


def predict_properties(query: str, properties: list[str] | None = None) -> dict[str, Any]:
    """Predicted properties with 90% intervals, applicability domain and nearest training neighbours."""
    from tools.properties.predict import predict

    mol = chem.parse(query)
    smiles = chem.to_smiles(mol)
    predictions = [p.model_dump() for p in predict([smiles], properties)]
    return {
        "query": query,
        "smiles": smiles,
        "predictions": predictions,
        "provenance": "predicted by chemassist property models (see each model card)",
    }


def screen_candidates(seed: str, windows: dict[str, list[float | None]] | None = None) -> dict[str, Any]:
    """Enumerate analogs of a seed, predict, keep those inside the property windows, rank them."""
    from tools.properties.screening import Window, screen_analogs

    smiles = chem.to_smiles(chem.parse(seed))
    parsed = [Window(prop, low, high) for prop, (low, high) in (windows or {}).items()]
    if not parsed:
        from tools.properties.predict import default_properties

        parsed = [Window(default_properties(smiles)[0], None, None)]
    rows = screen_analogs(smiles, parsed, max_analogs=60)
    return {
        "seed": seed,
        "seed_smiles": smiles,
        "windows": windows or {},
        "rows": [r.model_dump() for r in rows[:25]],
        "total_candidates": len(rows),
        "provenance": "predicted by chemassist property models; analogs enumerated by RDKit reactions",
    }


def search_literature(question: str, ctx: ToolContext) -> dict[str, Any]:
    """Answer from the literature library with numbered, verified citations."""
    from agents.literature import ask_library

    return ask_library(question, ctx.retriever(), ctx.literature_chat_model).model_dump()


def build_tools(ctx: ToolContext | None = None) -> list[BaseTool]:
    """Every tool the agent may call, bound to the application's context."""
    ctx = ctx or ToolContext()
    specs: list[tuple[Callable[..., dict[str, Any]], type[BaseModel], str]] = [
        (
            molecule_info,
            MoleculeQuery,
            "Look up one molecule: identifiers, descriptors, filters, alerts, safety.",
        ),
        (find_similar, SimilarQuery, "Find similar molecules (Tanimoto) in the reference data sets."),
        (predict_properties, PredictQuery, "Predict solubility, logD, hydration free energy or polymer Tg."),
        (screen_candidates, ScreenQuery, "Design: enumerate analogs of a seed and screen them by windows."),
    ]
    built = [
        StructuredTool.from_function(_safe(fn), name=fn.__name__, description=desc, args_schema=schema)
        for fn, schema, desc in specs
    ]
    built.append(
        StructuredTool.from_function(
            _safe(lambda question: search_literature(question, ctx)),
            name="search_literature",
            description="Answer a question from the lab's literature library, citing passages [n].",
            args_schema=LiteratureQuery,
        )
    )
    from agents.synthesis_tool import plan_synthesis_tool

    built.append(plan_synthesis_tool(ctx))
    return built
