"""Typed tool results: one pydantic model per kind of result, and one discriminated union over them.

The agent's tools build these and send them to the model as JSON (``dump``); everything that reads a result back
(the answer writer, the chat service, the chat cards, the exports, the workshop checks) parses it once
(``parse`` for a tool's JSON, ``stored`` for an artifact kept in the database) and then reads typed fields.

Validation is lenient on purpose: artifacts stored by earlier versions must still load, so every field has a
default, unknown keys are kept (``extra="allow"``) and a payload that still does not fit becomes an
``UnknownResult`` holding it as it was, never an error page. This module lives in tools/ because every layer
(agents and app) may import it; it imports nothing of ours.
"""

from __future__ import annotations

import builtins
import json
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    ValidationError,
    model_serializer,
    model_validator,
)


class _Model(BaseModel):
    # Keep keys this version does not know (a newer planner's step flags, an older export's fields).
    model_config = ConfigDict(extra="allow")
    # Fields left out of the JSON while empty: fields added later, so that earlier payloads read back unchanged.
    _unwritten_when_empty: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _without_empty_late_fields(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict):
            for key in self._unwritten_when_empty:
                if not getattr(self, key):
                    data.pop(key, None)
        return data

    @model_validator(mode="before")
    @classmethod
    def _none_is_missing(cls, data: Any) -> Any:
        """A null where this version has a default that is not null ('seed': None from the Properties page)
        means the value was not recorded: the default applies."""
        if not isinstance(data, dict):
            return data
        return {
            k: v
            for k, v in data.items()
            if not (
                v is None
                and k in cls.model_fields
                and cls.model_fields[k].get_default(call_default_factory=True) is not None
            )
        }

    def extra(self, key: str, default: Any = None) -> Any:
        """A field this version does not declare, as the producer stored it."""
        return (self.model_extra or {}).get(key, default)


# -- molecule report (tools.chem.analyse(...).to_record()) -------------------------------------------------------


class Alert(_Model):
    catalog: str = ""
    name: str = ""
    atoms: list[int] = Field(default_factory=list)


class RuleFilter(_Model):
    """One rule set's verdict (Lipinski, Veber, ...): passed, how many rules it broke and which, in words."""

    passed: bool = False
    violations: int = 0
    failed: list[str] = Field(default_factory=list)


class SafetyHit(_Model):
    name: str | None = None
    category: str = ""
    source: str | None = None
    matched_by: str = ""
    atoms: list[int] = Field(default_factory=list)


class SafetyScreen(_Model):
    flagged: bool = False
    hits: list[SafetyHit] = Field(default_factory=list)


class MoleculeResult(_Model):
    """Identifiers, descriptors (RDKit), rule filters, structural alerts and the safety screen of one molecule."""

    kind: Literal["molecule"] = "molecule"
    input: str = ""
    input_kind: str = ""
    input_source: str = ""
    standardized: bool = False
    canonical_smiles: str = ""
    inchi: str | None = None
    inchikey: str | None = None
    formula: str = ""
    mol_weight: float | None = None
    exact_mass: float | None = None
    logp: float | None = None
    molar_refractivity: float | None = None
    tpsa: float | None = None
    hbd: int | None = None
    hba: int | None = None
    rotatable_bonds: int | None = None
    ring_count: int | None = None
    aromatic_rings: int | None = None
    heavy_atoms: int | None = None
    fsp3: float | None = None
    formal_charge: int | None = None
    qed: float | None = None
    sa_score: float | None = None
    # A polymer repeat unit's `*` count, and the H-capped unit that filters and the 3D conformer use (else None).
    attachment_points: int = 0
    capped_smiles: str | None = None
    lipinski_violations: int = 0
    filters: dict[str, RuleFilter] = Field(default_factory=dict)
    alerts: list[Alert] = Field(default_factory=list)
    safety: SafetyScreen = Field(default_factory=SafetyScreen)
    units: dict[str, str] = Field(default_factory=dict)
    provenance: str = ""

    @property
    def title(self) -> str:
        return f"{self.input} ({self.formula})"

    def value(self, key: str) -> Any:
        """A descriptor by its record key ('mol_weight'), None when this report has no such value."""
        return getattr(self, key, None) if key in type(self).model_fields else self.extra(key)


# -- property predictions (tools.properties.predict) ------------------------------------------------------------


class Neighbour(_Model):
    smiles: str = ""
    similarity: float | None = None
    measured_value: float | None = None


class Prediction(_Model):
    """One predicted property with its 90% interval, applicability domain and the model's test error."""

    smiles: str = ""
    input: str = ""  # what the chemist typed or named for this structure; empty (and not written) when not known
    property: str | None = None
    label: str | None = None
    value: float | None = None
    unit: str | None = None
    interval_low: float | None = None
    interval_high: float | None = None
    interval_confidence: float | None = None
    in_domain: bool | None = None
    domain_notes: list[str] = Field(default_factory=list)
    max_similarity: float | None = None
    nearest_neighbours: list[Neighbour] = Field(default_factory=list)
    model: str | None = None
    test_rmse: float | None = None
    provenance: str | None = None
    error: str | None = None

    @builtins.property  # the field `property` shadows the builtin in this class body
    def name(self) -> str:
        return self.label or self.property or "?"

    # `input` is written only when known, so a tool's result and a stored artifact read back unchanged.
    _unwritten_when_empty: ClassVar[tuple[str, ...]] = ("input",)


class PredictionResult(_Model):
    kind: Literal["prediction"] = "prediction"
    query: str = ""
    smiles: str = ""
    predictions: list[Prediction] = Field(default_factory=list)
    provenance: str = ""

    @property
    def title(self) -> str:
        return f"Predicted properties of {self.query}"

    @property
    def out_of_domain(self) -> bool:
        return any(p.in_domain is False for p in self.predictions)


class ScreenRow(_Model):
    rank: int | None = None
    smiles: str = ""
    passes: bool = False
    all_in_domain: bool = False
    failed_windows: list[str] = Field(default_factory=list)
    predictions: dict[str, Prediction] = Field(default_factory=dict)
    error: str | None = None


class ScreenResult(_Model):
    kind: Literal["screen"] = "screen"
    seed: str = ""
    seed_smiles: str = ""
    windows: dict[str, list[float | None]] = Field(default_factory=dict)
    rows: list[ScreenRow] = Field(default_factory=list)
    total_candidates: int | None = None
    provenance: str = ""

    @property
    def title(self) -> str:
        return f"Screening around {self.seed}"


# -- similarity search (agents.similar) -------------------------------------------------------------------------


class SimilarHit(_Model):
    smiles: str = ""
    name: str | None = None
    similarity: float = 0.0
    source: str | None = None
    measured: str | None = None


class SimilarityResult(_Model):
    kind: Literal["similarity"] = "similarity"
    query: str = ""
    smiles: str = ""
    hits: list[SimilarHit] = Field(default_factory=list)
    provenance: str = ""

    @property
    def title(self) -> str:
        return f"Molecules similar to {self.query}"


# -- retrosynthesis (tools.synthesis SearchResult.to_dict()) ----------------------------------------------------


class Precedent(_Model):
    id: str | None = None  # 'USPTO50K-train-317', or the patent number
    patent: str | None = None
    reaction_class: int | None = None
    reaction_smiles: str | None = None
    product: str | None = None
    reactants: list[str] = Field(default_factory=list)


class ProtectionFlag(_Model):
    """A group of one precursor that may need protecting under the step's reaction class
    (tools.synthesis.protection): which group, why, what is usually used, and the rule's source."""

    group: str = ""
    reactant: str = ""
    atoms: list[int] = Field(default_factory=list)
    reaction_class: int | None = None
    reaction_class_name: str | None = None
    rule: str = ""
    condition: str = ""
    reason: str = ""
    usual_protection: str = ""
    source: str = ""
    text: str = ""

    @property
    def note(self) -> str:
        """'may need protection of alcohol OH (atom 3 of OCCN) under acylation: <reason> (usually TBS; source)'."""
        head = self.text or f"may need protection of {self.group} in {self.reactant}"
        details = "; ".join(x for x in (f"usually {self.usual_protection}" if self.usual_protection else "",
                                         f"source: {self.source}" if self.source else "") if x)  # fmt: skip
        return head + (f": {self.reason}" if self.reason else "") + (f" ({details})" if details else "")


class RouteStep(_Model):
    """One reaction of a route, as the planner records it."""

    product: str = ""
    reactants: list[str] = Field(default_factory=list)
    score: float | None = None
    template_id: int | None = None
    template: str | None = None
    template_count: int = 0
    rare_template: bool = False
    reaction_class: int | None = None
    reaction_class_name: str | None = None
    reaction_class_source: str | None = None
    class_confidence: float | None = None
    precedents: list[Precedent] = Field(default_factory=list)
    patents: list[Precedent] = Field(default_factory=list)
    # Whether the planner judged the step for groups to protect (steps stored before it did were not), and what
    # it flagged.
    protection_checked: bool = False
    protection_flags: list[ProtectionFlag] = Field(default_factory=list)

    @property
    def patent_ids(self) -> list[str]:
        return [p.patent for p in self.patents if p.patent]

    @property
    def protection_notes(self) -> list[str]:
        """One line per flagged group; [] when nothing is flagged or the step was not judged."""
        return [f.note for f in self.protection_flags]

    # The words every view of a step uses (chat card, Synthesis page, chat answer, exports).

    @property
    def class_text(self) -> str:
        """'acylation and related processes (class 2)', '… (class 7, predicted with confidence 0.87)' or 'not
        recorded for this template' (USPTO-50k records classes for its validation and test reactions only; the
        rest are predicted where the classifier is confident, tools/synthesis/reaction_classes.py)."""
        if not self.reaction_class and not self.reaction_class_name:
            return "not recorded for this template"
        details = [f"class {self.reaction_class}"] if self.reaction_class else []
        if self.reaction_class_source == "predicted":
            confidence = f" with confidence {self.class_confidence:.2f}" if self.class_confidence is not None else ""
            details.append(f"predicted{confidence}")
        return (self.reaction_class_name or "unnamed") + (f" ({', '.join(details)})" if details else "")

    @property
    def generality(self) -> str:
        """'template 127, from 40 training reactions': how many training reactions the step's template rests on."""
        count = self.template_count
        return f"template {self.template_id}" + (
            f", from {count} training reaction{'s' if count != 1 else ''}" if count else ""
        )

    def facts(self) -> list[str]:
        """What the planner recorded about the step, one fact a line: class, score, generality, rarity, precedent
        patents, and each group that may need protecting."""
        lines = [f"reaction class: {self.class_text}"]
        if self.score is not None:
            lines.append(f"score {self.score:.3f}")
        lines.append(self.generality)
        if self.rare_template:
            lines.append(RARE_TEMPLATE)
        lines.append(f"precedent patents: {', '.join(self.patent_ids) or 'none recorded'}")
        lines += [f"{PROTECTING_GROUP} {note}" for note in self.protection_notes]
        return lines


RARE_TEMPLATE = "rare template: seen once"
PROTECTING_GROUP = "protecting group?"


# What each stock of tools.synthesis is called in words.
STOCK_LABELS = {
    "uspto50k": "USPTO-50k stock",
    "inventory": "lab inventory",
    "zinc-instock (probabilistic)": "ZINC in-stock (probabilistic)",
}


def stock_label(source: str | None, name: str | None = None) -> str:
    """'USPTO-50k stock' or 'lab inventory (benzyl bromide)': a stock in words, with the lab's name for the molecule."""
    label = STOCK_LABELS.get(str(source), str(source or "stock"))
    return f"{label} ({name})" if name else label


class Leaf(_Model):
    """A starting material of a route: in stock or not, and which stock (with the lab's name for it)."""

    smiles: str = ""
    in_stock: bool = False
    source: str | None = None
    name: str | None = None

    @property
    def stock(self) -> str:
        """'USPTO-50k stock', 'lab inventory (benzyl bromide)' or 'not in stock'."""
        return stock_label(self.source, self.name) if self.in_stock else "not in stock"

    @property
    def stock_text(self) -> str:
        """'in stock · USPTO-50k stock' / 'in stock · lab inventory (benzyl bromide)' / 'not in stock'."""
        return f"in stock · {self.stock}" if self.in_stock else self.stock


class Route(_Model):
    target: str = ""
    solved: bool = False
    score: float | None = None
    n_steps: int | None = None
    depth: int | None = None
    longest_linear_sequence: int | None = None
    convergent: bool = False
    score_parts: dict[str, Any] = Field(default_factory=dict)
    score_text: str | None = None
    rare_steps: int = 0
    protection_steps: int = 0
    steps: list[RouteStep] = Field(default_factory=list)
    leaves: list[Leaf] = Field(default_factory=list)
    tree: dict[str, Any] | None = None

    @property
    def step_count(self) -> int:
        return self.n_steps if self.n_steps is not None else len(self.steps)

    @property
    def linear_length(self) -> int:
        if self.longest_linear_sequence is not None:
            return self.longest_linear_sequence
        return self.depth if self.depth is not None else len(self.steps)

    @property
    def shape_text(self) -> str:
        """'2 steps · longest linear sequence 2 · linear'."""
        return (
            f"{self.step_count} step{'s' if self.step_count != 1 else ''} · longest linear sequence "
            f"{self.linear_length} · {'convergent' if self.convergent else 'linear'}"
        )

    def facts(self) -> list[str]:
        """The route as the planner judged it, one fact a line: shape and status, score, starting materials in
        stock, rare templates and steps that may need protection."""
        stocked = sum(1 for leaf in self.leaves if leaf.in_stock)
        lines = [
            f"{self.shape_text} · {'solved' if self.solved else 'not solved'}",
            f"score {self.score:.3f}" if self.score is not None else "score n/a",
            f"{stocked} of {len(self.leaves)} starting materials in stock",
        ]
        if self.rare_steps:
            lines.append(f"{self.rare_steps} rare template(s)")
        if self.protection_steps:
            lines.append(f"{self.protection_steps} step(s) may need protection")
        return lines

    def forward_steps(self, target: str = "") -> list[RouteStep]:
        """Steps in the order a chemist runs them (the planner lists the target's step first)."""
        steps = list(self.steps)
        if steps and steps[0].product in (self.target or target, target):
            steps.reverse()
        return steps


class RouteSearchResult(_Model):
    """Routes to one target, or the safety guard's refusal to plan them."""

    kind: Literal["route_search"] = "route_search"
    target: str = ""
    target_smiles: str | None = None
    solved: bool = False
    target_in_stock: bool = False
    target_stock_source: str | None = None
    target_stock_name: str | None = None
    stopped_at_stock: bool = False
    message: str = ""
    stop_reason: str | None = None
    time_limited: bool = False
    stopped_mid_expansion: bool = False
    algorithm: str | None = None
    model: str | None = None
    iterations: int | None = None
    expansions: int | None = None
    elapsed_s: float | None = None
    first_route_s: float | None = None
    routes: list[Route] = Field(default_factory=list)
    refused: bool = False
    reason: str = ""
    # The target as the chemist typed it and how it was read ('SMILES', 'OPSIN'): the Synthesis page records them.
    input: str = ""
    read_as: str = ""

    @property
    def title(self) -> str:
        return f"Routes to {self.target}"

    @property
    def target_stock(self) -> str:
        """Where the target itself can be bought ('USPTO-50k stock'); 'not in stock' when it cannot."""
        return stock_label(self.target_stock_source, self.target_stock_name) if self.target_in_stock else "not in stock"

    # `input` and `read_as` are written only when known (the Synthesis page's searches), so the agent tool's
    # result and the artifacts stored before them read back unchanged.
    _unwritten_when_empty: ClassVar[tuple[str, ...]] = ("input", "read_as")


# -- literature (agents.literature.ask_library -> tools.literature.models.Answer) -------------------------------


class Citation(_Model):
    """A numbered citation [n]: the passage of a library document that supports the cited sentences."""

    kind: Literal["citation"] = "citation"
    n: int = 0
    document_id: str = ""
    title: str = ""
    page: int | None = None
    passage: str = ""
    char_start: int | None = None
    char_end: int | None = None
    url: str | None = None
    support: float = 0.0
    section: str = ""
    paged: bool = True  # citations stored before sections were recorded are paged

    @property
    def location(self) -> str:
        """'page 3, Methods', or 'section “Results”' for a document without pages (tools.literature's words)."""
        from tools.literature.models import location  # the literature package is heavy; load it when asked

        return location(self.paged, self.page if isinstance(self.page, int) else 1, self.section or "")


class LiteratureResult(_Model):
    kind: Literal["literature"] = "literature"
    question: str = ""
    answer: str = ""
    citations: list[Citation] = Field(default_factory=list)
    insufficient_evidence: bool = False
    mode: str = "extractive"
    removed_sentences: list[str] = Field(default_factory=list)
    evidence_score: float = 0.0


# -- failures and the fallback ----------------------------------------------------------------------------------


class ToolError(_Model):
    """A tool that could not run: the message says what was wrong and what to do."""

    kind: Literal["error"] = "error"
    error: str = ""


class Refusal(_Model):
    """The safety guard stopped a tool call before it ran (agents.graph): why, in words."""

    kind: Literal["refusal"] = "refusal"
    refused: bool = True
    reason: str = ""


class UnknownResult(_Model):
    """A payload no model above fits (an unknown tool, a damaged store): kept whole, shown as JSON."""

    kind: Literal["unknown"] = "unknown"
    tool: str = ""
    data: dict[str, Any] = Field(default_factory=dict)


ToolResult = Annotated[
    MoleculeResult
    | PredictionResult
    | ScreenResult
    | SimilarityResult
    | RouteSearchResult
    | Citation
    | LiteratureResult
    | ToolError
    | Refusal
    | UnknownResult,
    Field(discriminator="kind"),
]
_ADAPTER: TypeAdapter[ToolResult] = TypeAdapter(ToolResult)
ResultT = TypeVar("ResultT", bound=BaseModel)

MODELS: dict[str, type[BaseModel]] = {
    "molecule": MoleculeResult,
    "prediction": PredictionResult,
    "screen": ScreenResult,
    "similarity": SimilarityResult,
    "route_search": RouteSearchResult,
    "citation": Citation,
    "literature": LiteratureResult,
    "error": ToolError,
    "refusal": Refusal,
    "unknown": UnknownResult,
}
# The kind each agent tool returns.
TOOL_KINDS: dict[str, str] = {
    "molecule_info": "molecule",
    "predict_properties": "prediction",
    "screen_candidates": "screen",
    "find_similar": "similarity",
    "plan_synthesis": "route_search",
    "search_literature": "literature",
}
# The artifact kinds the database records (app.db.models.ArtifactKind) for each result kind.
STORED_KINDS: dict[str, str] = {
    "molecule": "molecule",
    "prediction": "table",
    "screen": "table",
    "similarity": "table",
    "route_search": "route",
    "citation": "citation",
}


def _unknown(tool: str, data: Any) -> UnknownResult:
    return UnknownResult(tool=tool, data=data if isinstance(data, dict) else {"value": data})


def validate(kind: str, data: dict[str, Any], *, tool: str = "") -> ToolResult:
    """DATA as the model of KIND; an UnknownResult holding it when it does not fit (never raises)."""
    if kind not in MODELS or kind == "unknown":
        return _unknown(tool, data)
    try:
        return _ADAPTER.validate_python({**data, "kind": kind})
    except ValidationError:
        return _unknown(tool, data)


def parse(tool: str, data: Any) -> ToolResult:
    """A tool's result (its JSON object, parsed) as a typed result: an error, the tool's kind, or unknown."""
    if not isinstance(data, dict):
        return _unknown(tool, data)
    if "error" in data:
        return ToolError(error=str(data["error"]))
    kind = TOOL_KINDS.get(tool) or str(data.get("kind") or "")
    if data.get("refused") is True and kind != "route_search":  # the planner words its own refusals
        kind = "refusal"
    return validate(kind, data, tool=tool)


def parse_json(tool: str, text: str) -> ToolResult:
    """A tool message's text as a typed result; text that is not a JSON object is the tool's error message."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return ToolError(error=text)
    return parse(tool, data) if isinstance(data, dict) else ToolError(error=text)


def _stored_kind(artifact_kind: str, payload: dict[str, Any]) -> str:
    """The result kind of a stored payload: its own `kind` (written since results are typed), else the one
    place that tells older payloads apart by their keys (a "table" was a prediction, a screen or a search)."""
    own = payload.get("kind")
    if isinstance(own, str) and own in MODELS:
        return own
    if artifact_kind == "table":
        if "predictions" in payload:
            return "prediction"
        if "rows" in payload:
            return "screen"
        if "hits" in payload:
            return "similarity"
        return "unknown"
    return {"molecule": "molecule", "route": "route_search", "citation": "citation"}.get(artifact_kind, "unknown")


def stored(artifact_kind: str, payload: Any) -> ToolResult:
    """A stored artifact's payload (today's or an older version's) as a typed result."""
    if not isinstance(payload, dict):
        return _unknown(artifact_kind, payload)
    return validate(_stored_kind(artifact_kind, payload), payload, tool=artifact_kind)


def refused(result: BaseModel) -> bool:
    """Whether the safety guard or the planner refused to run the tool."""
    return isinstance(result, Refusal) or (isinstance(result, RouteSearchResult) and result.refused)


def subject(result: BaseModel) -> tuple[str, str] | None:
    """(SMILES, the name the chemist used) of the one molecule a result is about; None when it is about none."""
    if isinstance(result, MoleculeResult):
        return result.canonical_smiles, result.input
    if isinstance(result, PredictionResult | SimilarityResult):
        return result.smiles, result.query
    if isinstance(result, ScreenResult):
        return result.seed_smiles, result.seed
    if isinstance(result, RouteSearchResult):
        return result.target_smiles or "", result.target
    return None


def listed(result: BaseModel) -> list[str]:
    """The molecules a result lists for "the second one": similarity hits, and screened candidates that pass."""
    if isinstance(result, SimilarityResult):
        return [h.smiles for h in result.hits if h.smiles]
    if isinstance(result, ScreenResult):
        return [row.smiles for row in result.rows if row.passes and row.smiles]
    return []


def dump(result: BaseModel) -> dict[str, Any]:
    """The JSON object of a result (the tool message's content, a stored artifact's payload)."""
    return result.model_dump(mode="json")


def coerce(result: Any, tool: str = "") -> ToolResult:
    """A typed result from either a typed result or the dict a tool returned (callers that hold JSON)."""
    if isinstance(result, BaseModel) and getattr(result, "kind", None) in MODELS:
        return result  # type: ignore[return-value]
    return parse(tool, result)
