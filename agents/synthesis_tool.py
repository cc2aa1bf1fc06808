"""The agent's retrosynthesis tool: the tools.synthesis planner with the tools.chem safety screen plugged in."""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field

import tools.chem as chem
from agents import safety
from tools import results
from tools.chem.errors import ChemError

if TYPE_CHECKING:
    from agents.tool_context import ToolContext

_planner: Any = None
_planner_lock = threading.Lock()


class SynthesisQuery(BaseModel):
    target: str = Field(description="Target molecule as SMILES or name.")
    stop_at_stock: bool = Field(
        default=False,
        description="Stop when the target itself is in stock instead of planning routes from other building blocks.",
    )


def chem_safety_check(smiles: str) -> Any:
    """tools.chem's safety screen in the shape the synthesis planner expects."""
    from tools.synthesis.safety import SafetyVerdict

    verdict = safety.screen_molecule(smiles)
    return SafetyVerdict(verdict.flagged, verdict.reason)


def planner(ctx: ToolContext) -> Any:
    """One planner per process: loading the template library and model takes seconds."""
    global _planner
    from tools.synthesis.planner import Planner

    if ctx.planner_provider is not None:
        return ctx.planner_provider()
    with _planner_lock:
        if _planner is None:
            _planner = Planner.default(cache_dir=ctx.synthesis_cache_dir, safety_check=chem_safety_check)
        return _planner


def plan_synthesis(target: str, ctx: ToolContext, stop_at_stock: bool = False) -> dict[str, Any]:
    """Routes to ``target`` (SMILES or any name tools.chem reads); a purchasable target still gets routes from other
    building blocks, with the stock it can be bought from, unless ``stop_at_stock``."""
    from tools.synthesis.errors import SynthesisError, TargetRefused
    from tools.synthesis.search import SearchLimits

    try:
        smiles = chem.to_smiles(chem.parse(target))
    except ChemError as exc:
        return {"error": str(exc)}
    verdict = safety.screen_molecule(smiles)
    if verdict.flagged:
        return results.dump(results.RouteSearchResult(target=target, refused=True, reason=verdict.reason))
    try:
        limits = SearchLimits(time_limit_s=ctx.synthesis_time_limit_s)
        result = planner(ctx).search(smiles, limits, stop_at_stock=stop_at_stock)
    except TargetRefused as exc:
        return results.dump(results.RouteSearchResult(target=target, refused=True, reason=str(exc)))
    except SynthesisError as exc:
        return {"error": str(exc)}
    return results.dump(results.RouteSearchResult.model_validate({**result.to_dict(), "target_smiles": smiles}))


def plan_synthesis_tool(ctx: ToolContext) -> BaseTool:
    return StructuredTool.from_function(
        lambda target, stop_at_stock=False: json.dumps(plan_synthesis(target, ctx, stop_at_stock), default=str),
        name="plan_synthesis",
        description="Plan retrosynthetic routes to a target down to purchasable building blocks (USPTO-50k "
        "templates); a target that can be bought still gets routes from other building blocks. Refuses "
        "controlled or highly hazardous targets.",
        args_schema=SynthesisQuery,
    )
