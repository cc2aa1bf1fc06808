"""OfflineChatModel: a deterministic chat model for when no language model is connected.

It reads the intent, SMILES and names in the message, emits the same tool calls a real model would, and then
writes a templated answer from the tool results. Literature answers are extractive (quoted passages with
citations) because the literature tool already returns them that way. The UI labels this mode plainly.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from agents import answers
from agents.mentions import molecules_in
from agents.router import route

OFFLINE_MODEL_NAME = "offline (no language model connected)"
MAX_MOLECULES = 5
HELP = (
    "No language model is connected, so I work in offline mode: I run the chemistry tools on what you "
    "name and report their results. Try, for example:\n"
    "- *What are the properties of aspirin?* or *Tell me about CC(=O)Nc1ccc(O)cc1*\n"
    "- *Predict the solubility of caffeine*\n"
    "- *Design a polymer like \\*CC(\\*)c1ccccc1 with Tg > 250 °C*\n"
    "- *Find molecules similar to ibuprofen*\n"
    "- *How do I make paracetamol?*\n"
    "- *What does the library say about furfural extraction?*"
)

_WINDOW = re.compile(
    r"\b(tg|glass transition(?: temperature)?|logs|solubility|logd|lipophilicity|hydration(?: free energy)?)\s*"
    r"(?:of\s*)?(>=|<=|>|<|above|below|over|under|greater than|less than|at least|at most)\s*"
    r"(-?\d+(?:\.\d+)?)\s*(°\s*c|° c|degc|c\b|k\b)?",
    re.I,
)
_PROPERTY_WORDS = {
    "tg": ("tg", "glass transition"),
    "esol": ("solubility", "logs"),
    "lipophilicity": ("lipophilicity", "logd"),
    "freesolv": ("hydration",),
}


def property_windows(text: str) -> dict[str, list[float | None]]:
    """'Tg > 250 °C and logS > -4' -> {'tg': [523.15, None], 'esol': [-4.0, None]} (Tg in kelvin)."""
    windows: dict[str, list[float | None]] = {}
    for name, op, number, unit in _WINDOW.findall(text):
        key = next(k for k, words in _PROPERTY_WORDS.items() if any(w in name.lower() for w in words))
        value = float(number)
        if key == "tg" and (not unit or not unit.strip().lower().startswith("k")):
            value = round(value + 273.15, 2)  # chemists say °C; the model works in K
        low = op.lower() in (">", ">=", "above", "over", "greater than", "at least")
        window = windows.setdefault(key, [None, None])
        window[0 if low else 1] = value
    return windows


def requested_properties(text: str) -> list[str] | None:
    lowered = text.lower()
    chosen = [k for k, words in _PROPERTY_WORDS.items() if any(w in lowered for w in words)]
    return chosen or None


def _call(name: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "args": args, "id": f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"}


# A molecule right after these words is a reagent, solvent or starting material, not the thing to make:
# "a nitrile from an amide with POCl3", "an epoxide using hydrogen peroxide".
_REAGENT_BEFORE = re.compile(r"\b(with|using|from|via|over|by|in)\s+(?:[\w'%-]+\s+){0,2}$", re.I)
# Questions about facts (history, law, classification) and about solutions are not requests for a route.
_FACT_QUESTION = re.compile(r"^\s*(who|when|where|why|is|was|are|were|did|does|do)\b", re.I)
_SOLUTION = re.compile(r"\b(solution|dilut\w*|buffer|stock solution)\b", re.I)


def synthesis_target(text: str, molecules: Sequence[str]) -> str | None:
    """The molecule the message asks to make: the first one not named as a reagent or starting material."""
    lowered = text.lower()
    for molecule in molecules:
        at = lowered.find(molecule.lower())
        if at >= 0 and _REAGENT_BEFORE.search(lowered[:at]):
            continue
        return molecule
    return None


def plan_tool_calls(text: str, available: Sequence[str]) -> list[dict[str, Any]]:
    """The tool calls a careful chemist-assistant would make for this message."""
    intent = route(text).intent
    molecules = molecules_in(text)[:MAX_MOLECULES]
    lowered = text.lower()
    calls: list[dict[str, Any]] = []
    target = synthesis_target(text, molecules) if intent == "synthesis" else None
    asks_for_route = target is not None and not _FACT_QUESTION.match(text) and not _SOLUTION.search(text)
    if intent == "synthesis" and asks_for_route:
        calls = [_call("plan_synthesis", {"target": target})]
    elif intent == "synthesis" and molecules:
        calls = [_call("molecule_info", {"query": m}) for m in molecules]
    elif intent == "literature" or (intent == "general" and not molecules and len(text.split()) > 3):
        calls = [_call("search_literature", {"question": text})]
    elif re.search(r"\bsimilar|analogs?\b|analogues?|neighbou?rs?", lowered) and molecules:
        calls = [_call("find_similar", {"query": m}) for m in molecules]
    elif intent in ("property", "materials") and molecules:
        windows = property_windows(text)
        if windows or re.search(r"\b(design|screen|variants?|enumerat\w*)\b", lowered):
            calls = [_call("screen_candidates", {"seed": molecules[0], "windows": windows})]
        else:
            props = requested_properties(text)
            calls = [_call("predict_properties", {"query": m, "properties": props}) for m in molecules]
    elif molecules:
        calls = [_call("molecule_info", {"query": m}) for m in molecules]
    return [c for c in calls if c["name"] in available]


class OfflineChatModel(BaseChatModel):
    """Deterministic stand-in for a chat model; same tool calls, templated answers."""

    tool_names: tuple[str, ...] = ()

    @property
    def _llm_type(self) -> str:
        return "chemassist-offline"

    @property
    def model_name(self) -> str:
        return OFFLINE_MODEL_NAME

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> OfflineChatModel:  # type: ignore[override]
        names = tuple(getattr(t, "name", None) or t.__name__ for t in tools)
        return self.model_copy(update={"tool_names": names})

    def _reply(self, messages: list[BaseMessage]) -> AIMessage:
        human_at = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=None)
        if human_at is None:
            return AIMessage(content=HELP)
        question = str(messages[human_at].content)
        results = [m for m in messages[human_at + 1 :] if isinstance(m, ToolMessage)]
        if results:
            parsed = []
            for m in results:
                try:
                    parsed.append((m.name or "", json.loads(str(m.content))))
                except json.JSONDecodeError:
                    parsed.append((m.name or "", {"error": str(m.content)}))
            return AIMessage(content=answers.compose(question, parsed))
        calls = plan_tool_calls(question, self.tool_names)
        if calls:
            return AIMessage(content="", tool_calls=calls)
        return AIMessage(content=HELP)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        reply = self._reply(messages)
        reply.response_metadata = {"model_name": OFFLINE_MODEL_NAME}
        return ChatResult(generations=[ChatGeneration(message=reply)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        reply = self._reply(messages)
        if reply.tool_calls:
            chunk = AIMessageChunk(
                content="",
                tool_call_chunks=[
                    {
                        "name": c["name"],
                        "args": json.dumps(c["args"]),
                        "id": c["id"],
                        "index": i,
                        "type": "tool_call_chunk",
                    }
                    for i, c in enumerate(reply.tool_calls)
                ],
                response_metadata={"model_name": OFFLINE_MODEL_NAME},
            )
            yield ChatGenerationChunk(message=chunk)
            return
        for piece in re.findall(r"\S+\s*|\s+", str(reply.content)):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
        yield ChatGenerationChunk(
            message=AIMessageChunk(content="", response_metadata={"model_name": OFFLINE_MODEL_NAME})
        )
