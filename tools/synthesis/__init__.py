"""Template-based retrosynthesis on CPU: single-step suggestions, multi-step route search, stock and safety.

In the spirit of AiZynthFinder / ASKCOS: the expansion model, the search and the stock are separate objects
behind small interfaces, wired together by ``Planner``. Data: USPTO-50k (see data/PROVENANCE.md).
"""

from tools.synthesis.errors import (
    InvalidLimits,
    InvalidSmiles,
    InvalidStockFile,
    ModelNotBuilt,
    SynthesisError,
    TargetRefused,
)
from tools.synthesis.library import Precedent, TemplateLibrary
from tools.synthesis.planner import Planner, SingleStepResult, load_model
from tools.synthesis.routes import Route, SearchResult
from tools.synthesis.safety import SafetyCheck, SafetyVerdict, builtin_screen
from tools.synthesis.search import SearchLimits, SearchProgress, search
from tools.synthesis.single_step import ExpansionModel, SimilarityModel, Suggestion
from tools.synthesis.stock import InventoryReport, Stock, StockHit

__all__ = [
    "ExpansionModel",
    "InvalidLimits",
    "InvalidSmiles",
    "InvalidStockFile",
    "InventoryReport",
    "ModelNotBuilt",
    "Planner",
    "Precedent",
    "Route",
    "SafetyCheck",
    "SafetyVerdict",
    "SearchLimits",
    "SearchProgress",
    "SearchResult",
    "SimilarityModel",
    "SingleStepResult",
    "Stock",
    "StockHit",
    "Suggestion",
    "SynthesisError",
    "TargetRefused",
    "TemplateLibrary",
    "builtin_screen",
    "load_model",
    "search",
]
