"""The agent's state: a small TypedDict with reducers, as in LangGraph's own examples."""

from __future__ import annotations

from typing import Annotated, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages


class AgentState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    intent: str  # molecule / property / synthesis / literature / materials / general
    role: str  # chemistry / materials / general: which served model answers
    model_used: str  # the model that actually answered (after any fallback)
    steps: int  # model calls this turn (capped)
    deadline: float  # time.monotonic() value after which the turn stops calling tools
    refused: bool  # the safety guard stopped the turn
