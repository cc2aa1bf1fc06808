"""Workshop packs: versioned YAML files of sections (Markdown instructions, example prompts) and exercises
whose answers are graded automatically by a check.

A malformed pack is refused with one line per problem that names where it is, e.g.
``section 'molecules' › exercise 'mw-window' › check › windows: unknown descriptor 'weight'``.
Molecules named in checks are parsed with tools.chem when the pack is loaded, so a typo fails validation,
not a participant's check in the middle of a workshop.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

import tools.chem as chem
from app.errors import ValidationFailed
from tools.chem import quantities
from tools.chem.errors import ChemError

BUILTIN_DIR = Path(__file__).parent / "packs"
MAX_PACK_BYTES = 1_000_000
_ID = r"^[a-z0-9][a-z0-9._-]{0,99}$"

# Numeric fields of tools.chem.analyse(...).to_record() that a molecule window may bound, with the labels every
# renderer uses (tools.chem.quantities).
WINDOW_KEYS = (*quantities.NUMERIC, "lipinski_violations")
DESCRIPTORS: dict[str, str] = {key: quantities.DESCRIPTORS[key].label for key in WINDOW_KEYS}
# The agent's tools (agents/toolkit.py) an exercise may ask the participant to use.
TOOLS = (
    "molecule_info",
    "find_similar",
    "predict_properties",
    "screen_candidates",
    "search_literature",
    "plan_synthesis",
)


class PackError(ValidationFailed):
    """A pack file that cannot be used; `problems` has one line per fault."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"The workshop pack {source} is not valid:\n" + "\n".join(f"- {p}" for p in problems))


def _canonical(value: str) -> str:
    try:
        return chem.to_smiles(chem.parse(value))
    except ChemError as exc:
        raise ValueError(f"'{value}' is not a molecule chemassist can read ({exc})") from None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MoleculeWindowCheck(_Strict):
    """A molecule (submitted, or looked up in the exercise session) whose RDKit descriptors lie in the windows."""

    kind: Literal["molecule_window"]
    windows: dict[str, tuple[float | None, float | None]] = Field(min_length=1)
    exclude: list[str] = Field(default_factory=list, description="Molecules that do not count (e.g. the example).")

    @field_validator("windows")
    @classmethod
    def _known_descriptors(cls, windows: dict[str, tuple[float | None, float | None]]) -> dict[str, Any]:
        for name, (low, high) in windows.items():
            if name not in DESCRIPTORS:
                raise ValueError(f"unknown descriptor '{name}'; choose from {', '.join(DESCRIPTORS)}")
            if low is None and high is None:
                raise ValueError(f"the window for '{name}' needs a lower or an upper bound")
            if low is not None and high is not None and low > high:
                raise ValueError(f"the window for '{name}' has its lower bound {low} above its upper bound {high}")
        return windows

    @field_validator("exclude")
    @classmethod
    def _parse_excluded(cls, values: list[str]) -> list[str]:
        return [_canonical(v) for v in values]


class CitesDocumentCheck(_Strict):
    """An answer in the exercise session cites this library record."""

    kind: Literal["cites_document"]
    document_id: str = Field(min_length=3, description="'doi:...', 'arxiv:...' or 'sha256:...' as in the library.")


class SolvedRouteCheck(_Strict):
    """The exercise session holds a retrosynthesis route artifact, solved down to stock, for the target."""

    kind: Literal["solved_route"]
    target: str

    @field_validator("target")
    @classmethod
    def _parse_target(cls, value: str) -> str:
        _canonical(value)
        return value


class PropertyPredictionCheck(_Strict):
    """A property-table artifact with a prediction and its interval (for the target, or any molecule);
    `in_domain` asks for a prediction inside (true) or outside (false) the model's applicability domain."""

    kind: Literal["property_prediction"]
    property: str
    target: str | None = None
    in_domain: bool | None = None

    @field_validator("property")
    @classmethod
    def _known_property(cls, value: str) -> str:
        from tools.properties import datasets
        from tools.properties.errors import PropertyError

        try:
            return datasets.resolve(value).name
        except PropertyError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("target")
    @classmethod
    def _parse_target(cls, value: str | None) -> str | None:
        if value is not None:
            _canonical(value)
        return value


class RefusalCheck(_Strict):
    """The participant asked for something the safety screen flags, and the assistant refused."""

    kind: Literal["refusal"]


class UsedToolCheck(_Strict):
    """The assistant called this tool in the exercise session (optionally about this molecule)."""

    kind: Literal["used_tool"]
    tool: str
    molecule: str | None = None

    @field_validator("tool")
    @classmethod
    def _known_tool(cls, value: str) -> str:
        if value not in TOOLS:
            raise ValueError(f"unknown tool '{value}'; choose from {', '.join(TOOLS)}")
        return value

    @field_validator("molecule")
    @classmethod
    def _parse_molecule(cls, value: str | None) -> str | None:
        if value is not None:
            _canonical(value)
        return value


Check = Annotated[
    MoleculeWindowCheck
    | CitesDocumentCheck
    | SolvedRouteCheck
    | PropertyPredictionCheck
    | RefusalCheck
    | UsedToolCheck,
    Field(discriminator="kind"),
]
CHECK_KINDS = ("molecule_window", "cites_document", "solved_route", "property_prediction", "refusal", "used_tool")


class Exercise(_Strict):
    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1, max_length=120)
    task: str = Field(min_length=1, description="What to do (Markdown).")
    prompt: str | None = Field(default=None, description="A question to start from, sent to the chat.")
    hint: str | None = None
    answer_label: str | None = Field(
        default=None, description="Shown when the participant may type an answer (molecule_window: a SMILES/name)."
    )
    check: Check


class Section(_Strict):
    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1, max_length=120)
    minutes: int = Field(default=30, ge=1, le=600)
    instructions: str = Field(min_length=1, description="Markdown.")
    example_prompts: list[str] = Field(default_factory=list)
    exercises: list[Exercise] = Field(default_factory=list)


class Pack(_Strict):
    id: str = Field(pattern=_ID)
    version: str = Field(min_length=1, max_length=40)
    title: str = Field(min_length=1, max_length=120)
    description: str = ""
    duration: str = Field(min_length=1, description="Planned length, e.g. '5 h'.")
    sections: list[Section] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value

    @model_validator(mode="after")
    def _unique_ids(self) -> Pack:
        seen: set[str] = set()
        for section in self.sections:
            if section.id in seen:
                raise ValueError(f"the section id '{section.id}' is used twice")
            seen.add(section.id)
        exercises: set[str] = set()
        for section in self.sections:
            for exercise in section.exercises:
                if exercise.id in exercises:
                    raise ValueError(f"the exercise id '{exercise.id}' is used twice (in section '{section.id}')")
                exercises.add(exercise.id)
        if not exercises:
            raise ValueError("a pack needs at least one exercise")
        return self

    @property
    def exercises(self) -> list[tuple[Section, Exercise]]:
        return [(s, e) for s in self.sections for e in s.exercises]

    def exercise(self, exercise_id: str) -> Exercise:
        for _, exercise in self.exercises:
            if exercise.id == exercise_id:
                return exercise
        raise KeyError(exercise_id)

    @property
    def label(self) -> str:
        return f"{self.title} ({self.id} v{self.version})"


def _where(data: Any, loc: tuple[Any, ...]) -> str:
    """'section 'molecules' › exercise 'mw-window' › check › windows' from a pydantic error location."""
    parts: list[str] = []
    node = data
    i = 0
    while i < len(loc):
        key = loc[i]
        child = node[key] if isinstance(node, dict | list) and _has(node, key) else None
        if key in ("sections", "exercises") and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            index = loc[i + 1]
            item = child[index] if isinstance(child, list) and index < len(child) else None
            name = item.get("id") if isinstance(item, dict) else None
            noun = "section" if key == "sections" else "exercise"
            parts.append(f"{noun} '{name}'" if name else f"{noun} {index + 1}")
            node = item
            i += 2
            continue
        if key in CHECK_KINDS and parts and parts[-1] == "check":
            i += 1  # pydantic names the union member; the check's kind is already known
            continue
        parts.append(str(key))
        node = child
        i += 1
    return " › ".join(parts) or "the pack"


def _has(node: Any, key: Any) -> bool:
    if isinstance(node, dict):
        return key in node
    return isinstance(key, int) and 0 <= key < len(node)


def _message(error: ErrorDetails) -> str:
    if error["type"] == "union_tag_invalid":
        tag = error.get("ctx", {}).get("tag", "?")
        return f"unknown check kind '{tag}'; choose one of: {', '.join(CHECK_KINDS)}"
    if error["type"] == "union_tag_not_found":
        return f"a check needs a 'kind': one of {', '.join(CHECK_KINDS)}"
    if error["type"] == "missing":
        return "is missing (required)"
    if error["type"] == "extra_forbidden":
        return "is not a field of a workshop pack here (check the spelling)"
    return re.sub(r"^Value error, ", "", error["msg"])


def parse_pack(text: str, source: str = "<text>") -> Pack:
    """Validate pack YAML; raise PackError naming every problem and where it is."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PackError(source, [f"the file is not valid YAML{where}: {problem}"]) from None
    if not isinstance(data, dict):
        raise PackError(source, ["the file must be a YAML mapping with id, version, title, duration and sections"])
    try:
        return Pack.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            if error["type"] == "extra_forbidden":
                problems.append(f"{_where(data, loc[:-1]) if len(loc) > 1 else 'the pack'}: "
                                f"'{loc[-1]}' {_message(error)}")  # fmt: skip
            elif error["type"] == "missing":
                problems.append(f"{_where(data, loc[:-1]) if len(loc) > 1 else 'the pack'}: '{loc[-1]}' is missing")
            else:
                problems.append(f"{_where(data, loc)}: {_message(error)}")
        raise PackError(source, problems) from None


def load_pack(path: str | Path) -> Pack:
    path = Path(path)
    if not path.is_file():
        raise PackError(str(path), ["no such file"])
    if path.stat().st_size > MAX_PACK_BYTES:
        raise PackError(path.name, [f"the file is larger than {MAX_PACK_BYTES // 1000} kB; is it really a pack?"])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PackError(path.name, ["the file is not UTF-8 text"]) from None
    return parse_pack(text, path.name)


@lru_cache(maxsize=1)
def builtin_packs() -> tuple[Pack, ...]:
    """The packs shipped with chemassist (app/workshops/packs/*.yaml), sorted by id."""
    return tuple(sorted((load_pack(p) for p in BUILTIN_DIR.glob("*.yaml")), key=lambda p: (p.id, p.version)))


def find_pack(ref: str) -> Pack:
    """A built-in pack by id (or id-version / file stem), or a pack file by path."""
    for pack in builtin_packs():
        if ref in (pack.id, f"{pack.id}-v{pack.version}", f"{pack.id}-{pack.version}"):
            return pack
    path = Path(ref)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return load_pack(path)
    known = ", ".join(p.id for p in builtin_packs())
    raise ValidationFailed(f"No workshop pack '{ref}'. Built-in packs: {known}; or give the path of a YAML file.")
