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
from agents.lexicon import FUNCTION_WORDS
from agents.reader import Context, Reading, context_from, read
from tools import results

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


def plan_tool_calls(text: str, available: Sequence[str], context: Context | None = None) -> list[dict[str, Any]]:
    """The tool calls a careful chemist-assistant would make for this message."""
    return calls_for(read(text, context), available)


def calls_for(reading: Reading, available: Sequence[str]) -> list[dict[str, Any]]:
    """The tool calls for a reading (see agents.reader)."""
    text, intent = reading.text, reading.intent
    seen: dict[str, str] = {}
    for m in reading.molecules:
        seen.setdefault(m.smiles, m.query if m.start >= 0 else m.smiles)
    queries = list(seen.values())[:MAX_MOLECULES]
    calls: list[dict[str, Any]] = []
    topical = _topic_words(reading)
    unclear_help = intent == "help" and (reading.confidence < 0.8 or reading.similarity < 0.55)
    if (
        intent == "literature"
        or (not queries and intent != "help" and len(text.split()) > 3 and not reading.unknown)
        or (not queries and unclear_help and topical >= 5)
    ):
        calls = [_call("search_literature", {"question": text})]
    elif not queries:
        calls = []
    elif intent == "plan":
        target = synthesis_target(text, [m.text for m in reading.molecules]) if not reading.from_context else None
        target = target or (queries[0] if reading.from_context else None)
        if target and not _FACT_QUESTION.match(text) and not _SOLUTION.search(text):
            calls = [_call("plan_synthesis", {"target": seen.get(_smiles_of(reading, target), target)})]
        else:
            calls = [_call("molecule_info", {"query": q}) for q in queries]
    elif intent == "similar":
        calls = [_call("find_similar", {"query": q}) for q in queries[:2]]
    elif intent == "screen":
        calls = [_call("screen_candidates", {"seed": queries[0], "windows": reading.windows})]
    else:
        model = reading.model_properties
        wants_facts = bool(reading.descriptor_properties) or not model
        for q in queries:
            if wants_facts:
                calls.append(_call("molecule_info", {"query": q}))
            if model:
                calls.append(_call("predict_properties", {"query": q, "properties": model}))
    asked = bool(reading.descriptor_properties or reading.model_properties)
    searched = any(c["name"] == "search_literature" for c in calls)
    research = topical >= 6 and (not asked or reading.confidence < 0.65) or topical >= 3 and reading.confidence < 0.5
    if queries and research and not searched and not reading.from_context:
        # a research question that names molecules ("do fluorinated bambusurils transport chloride better?"):
        # the facts of each molecule, and what the library says
        calls.append(_call("search_literature", {"question": text}))
    return [c for c in calls if c["name"] in available]


def _topic_words(reading: Reading) -> int:
    """Words of the message beyond its molecules and function words: how much topic it carries."""
    from agents.reader import mask

    words = re.findall(r"[A-Za-z][\w\-/]*", mask(reading.text, reading.molecules))
    return sum(1 for w in words if w.casefold() not in FUNCTION_WORDS and w not in ("X", "Y", "Z"))


def _smiles_of(reading: Reading, text: str) -> str:
    return next((m.smiles for m in reading.molecules if m.text == text), "")


def reply_without_tools(reading: Reading) -> str:
    """What offline mode says when no tool applies: an unknown name with the closest known ones, a question
    about nothing it can find, or the help text."""
    if reading.unknown:
        lines = []
        for u in reading.unknown:
            close = f" Closest known names: {', '.join(u.suggestions)}." if u.suggestions else ""
            lines.append(
                f"I do not know the name {u.text!r} (not in the offline name tables, and OPSIN could not "
                f"read it as a systematic name).{close}"
            )
        lines.append("Check the spelling, or give the structure as a SMILES or InChI.")
        return "\n\n".join(lines)
    if reading.intent in ("molecule", "compare", "plan", "similar", "screen") and reading.text.strip():
        return (
            "I could not find a molecule in your message. Name it (aspirin, NBS, 4-(2-hydroxyethyl)phenol), or "
            "give a SMILES, InChI or CAS number, and ask again.\n\n" + HELP
        )
    return HELP


def conversation_context(earlier: Sequence[BaseMessage]) -> Context:
    """What the earlier turns leave for a follow-up: their messages re-read, and the molecules the last
    answer listed (similar molecules, screened candidates, several molecules) for "the second one"."""
    turns = [str(m.content) for m in earlier if isinstance(m, HumanMessage)][-6:]
    last_human = max((i for i, m in enumerate(earlier) if isinstance(m, HumanMessage)), default=-1)
    listed: list[str] = []
    for m in earlier[last_human + 1 :]:
        if isinstance(m, ToolMessage):
            listed += results.listed(answers.typed_result(m)[1])
    return context_from(turns, listed)


class OfflineChatModel(BaseChatModel):
    """Deterministic stand-in for a chat model; same tool calls, templated answers."""

    tool_names: tuple[str, ...] = ()

    @property
    def _llm_type(self) -> str:
        return "chemassist-offline"

    @property
    def model_name(self) -> str:
        return OFFLINE_MODEL_NAME

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> OfflineChatModel:
        names = tuple(getattr(t, "name", None) or t.__name__ for t in tools)
        return self.model_copy(update={"tool_names": names})

    def _reply(self, messages: list[BaseMessage]) -> AIMessage:
        human_at = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=None)
        if human_at is None:
            return AIMessage(content=HELP)
        question = str(messages[human_at].content)
        reading = read(question, conversation_context(messages[:human_at]))
        typed = [answers.typed_result(m) for m in messages[human_at + 1 :] if isinstance(m, ToolMessage)]
        if typed:
            return AIMessage(content=answers.compose(question, typed, reading))
        calls = calls_for(reading, self.tool_names)
        if calls:
            return AIMessage(content="", tool_calls=calls)
        return AIMessage(content=reply_without_tools(reading))

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
            message = AIMessageChunk(
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
            yield ChatGenerationChunk(message=message)
            return
        for piece in re.findall(r"\S+\s*|\s+", str(reply.content)):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
        yield ChatGenerationChunk(
            message=AIMessageChunk(content="", response_metadata={"model_name": OFFLINE_MODEL_NAME})
        )
