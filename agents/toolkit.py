"""The agent's tools: thin LangChain wrappers over tools/ with JSON-schema arguments and JSON results.

Every result is a typed model of tools.results (its `kind` says which), sent to the model as its JSON object,
that says where its numbers come from (`provenance`), or `{"error": ...}` with a message the model (and the
chemist) can act on. Domain errors never escape as exceptions.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field

import tools.chem as chem
from agents.synthesis_tool import plan_synthesis_tool
from agents.tool_context import ToolContext
from tools import results
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
    record = chem.analyse(query).to_record()  # structures are drawn by the UI, not sent to the model
    return results.dump(results.MoleculeResult.model_validate(record))


def find_similar(query: str, k: int = 5) -> dict[str, Any]:
    """Nearest distinct molecules (Morgan Tanimoto) among named drugs and chemicals, the measured molecules
    behind the property models and the building-block stock (agents.similar)."""
    from agents.similar import similar

    mol = chem.parse(query)
    result = results.SimilarityResult(
        query=query,
        smiles=chem.to_smiles(mol),
        hits=[results.SimilarHit.model_validate(hit) for hit in similar(mol, k)],
        provenance="Tanimoto on Morgan fingerprints (radius 2, 2048 bits) computed by RDKit over the name "
        "table's drugs and chemicals, the ESOL/FreeSolv/Lipophilicity molecules and the USPTO-50k building "
        "blocks; measured values quoted from the cited data sets",
    )
    return results.dump(result)


def predict_properties(query: str, properties: list[str] | None = None) -> dict[str, Any]:
    """Predicted properties with 90% intervals, applicability domain and nearest training neighbours."""
    from tools.properties.predict import predict

    mol = chem.parse(query)
    smiles = chem.to_smiles(mol)
    result = results.PredictionResult(
        query=query,
        smiles=smiles,
        predictions=predict([smiles], properties),
        provenance="predicted by chemassist property models (see each model card)",
    )
    return results.dump(result)


def screen_candidates(seed: str, windows: dict[str, list[float | None]] | None = None) -> dict[str, Any]:
    """Enumerate analogs of a seed, predict, keep those inside the property windows, rank them."""
    from tools.properties.screening import Window, screen_analogs

    smiles = chem.to_smiles(chem.parse(seed))
    parsed = [Window(prop, low, high) for prop, (low, high) in (windows or {}).items()]
    if not parsed:
        from tools.properties.predict import default_properties

        parsed = [Window(default_properties(smiles)[0], None, None)]
    rows = screen_analogs(smiles, parsed, max_analogs=60)
    result = results.ScreenResult(
        seed=seed,
        seed_smiles=smiles,
        windows=windows or {},
        rows=rows[:25],
        total_candidates=len(rows),
        provenance="predicted by chemassist property models; analogs enumerated by RDKit reactions",
    )
    return results.dump(result)


def search_literature(question: str, ctx: ToolContext) -> dict[str, Any]:
    """Answer from the literature library with numbered, verified citations."""
    from agents.literature import ask_library

    answer = ask_library(question, ctx.retriever(), ctx.literature_chat_model).model_dump()
    return results.dump(results.LiteratureResult.model_validate(answer))


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
    built: list[BaseTool] = [
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
    built.append(plan_synthesis_tool(ctx))
    return built
