"""The literature subgraph: retrieve passages, then answer from them with verified, numbered citations.

    START -> retrieve -> (no passages? -> no_evidence) -> answer -> END

Retrieval and answering are separate nodes so a turn's trace shows what was found before what was said.
The answer step is tools.literature.answer, fed the retrieved passages (no second search); without a chat model
it is extractive (quoted sentences), with one every sentence must be supported by the passage it cites.
Passages are data, never instructions: tools.literature neutralises them before any model sees them.
"""

from __future__ import annotations

from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph

from tools.literature import INSUFFICIENT, Answer, Retriever, SearchHit, answer
from tools.literature.answer import passages_for

K = 6


class LiteratureState(TypedDict, total=False):
    question: str
    hits: list[SearchHit]
    result: Answer


class _Retrieved:
    """A retriever that returns the passages already found, all of them (the answer step does not search
    again; `passages_for` already added what a quantity question needs)."""

    def __init__(self, hits: list[SearchHit], embedder: Any):
        self.hits = hits
        self.embedder = embedder

    def search(self, query: str, k: int = K, filters: Any = None, mode: Any = None) -> list[SearchHit]:
        return list(self.hits)


def build_literature_graph(retriever: Retriever, chat_model: Any = None) -> Any:
    def retrieve(state: LiteratureState) -> dict[str, Any]:
        return {"hits": passages_for(" ".join(state["question"].split()), retriever, k=K)}

    def respond(state: LiteratureState) -> dict[str, Any]:
        found = _Retrieved(state["hits"], retriever.embedder)
        return {"result": answer(state["question"], found, chat_model, k=K)}  # type: ignore[arg-type]

    def no_evidence(state: LiteratureState) -> dict[str, Any]:
        return {"result": Answer(question=state["question"], answer=INSUFFICIENT, insufficient_evidence=True)}

    graph = StateGraph(LiteratureState)
    graph.add_node("retrieve", retrieve)
    graph.add_node("answer", respond)
    graph.add_node("no_evidence", no_evidence)
    graph.add_edge(START, "retrieve")
    graph.add_conditional_edges("retrieve", lambda s: "answer" if s["hits"] else "no_evidence")
    graph.add_edge("answer", END)
    graph.add_edge("no_evidence", END)
    return graph.compile()


def ask_library(question: str, retriever: Retriever, chat_model: Any = None) -> Answer:
    return build_literature_graph(retriever, chat_model).invoke({"question": question})["result"]
