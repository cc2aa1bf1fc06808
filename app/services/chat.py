"""One chat turn (DESIGN.md "data flow"): store the question, stream the agent graph with thread id = research
session id, store the answer with its tool calls and artifacts."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from sqlalchemy.engine import make_url

from agents.answers import tool_result
from agents.graph import build_graph
from agents.models import ROLES, ModelChain
from agents.offline import OFFLINE_MODEL_NAME
from agents.toolkit import ToolContext, build_tools
from app.errors import ValidationFailed
from app.services import access, sessions
from app.services.accounts import Account
from app.services.chat_models import literature_model, model_chain
from app.settings import Settings, get_settings
from tools import results

MAX_QUESTION = 8000
DEFAULT_TITLE = "New research session"
Event = Callable[[str, dict[str, Any]], None]


@dataclass
class ToolCallRecord:
    id: str
    name: str
    args: dict[str, Any]
    result: dict[str, Any] | None = None
    started: float = field(default_factory=time.monotonic)
    duration_s: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "args": self.args,
            "result": self.result,
            "duration_s": None if self.duration_s is None else round(self.duration_s, 3),
        }


@dataclass
class TurnResult:
    message: sessions.MessageInfo
    tool_calls: list[dict[str, Any]]
    artifacts: list[sessions.ArtifactInfo]
    model: str
    stopped: bool = False

    @property
    def offline(self) -> bool:
        return self.model == OFFLINE_MODEL_NAME


_lock = threading.Lock()
_graphs: dict[tuple[Any, ...], Any] = {}


def _checkpointer(url: str) -> Any:
    """LangGraph's checkpointer in the app database: SQLite by default, PostgreSQL when the app uses it."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        from langgraph.checkpoint.sqlite import SqliteSaver

        conn = sqlite3.connect(parsed.database or ":memory:", check_same_thread=False, timeout=10)
        conn.execute("PRAGMA journal_mode=WAL")
        saver = SqliteSaver(conn)
        saver.setup()
        return saver
    import psycopg
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg.rows import dict_row

    conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    pg_conn = psycopg.Connection.connect(conninfo, autocommit=True, prepare_threshold=0, row_factory=dict_row)
    pg_saver = PostgresSaver(pg_conn)
    pg_saver.setup()
    return pg_saver


@dataclass(frozen=True)
class AgentRuntime:
    """What a chat turn needs, built one way for the web app, the CLI, the evaluation and the benchmarks: the
    model chain, the tools' context (the app's shared literature store with its in-process index, the planner
    with the lab's inventory in its stock, the model that writes literature answers) and the turn's limits."""

    chain: ModelChain
    tools: ToolContext
    max_steps: int
    time_limit_s: float


@access.operator
def tool_context(settings: Settings, chain: ModelChain | None = None) -> ToolContext:
    from app.services import library, synthesis

    chain = model_chain(settings) if chain is None else chain
    return ToolContext(
        milvus_uri=settings.resolved_milvus_uri,
        store_provider=lambda: library.get_store(settings.resolved_milvus_uri),
        planner_provider=synthesis.get_planner,
        # With a served model, literature answers are written by it and every sentence checked against its
        # cited passage; offline they are extractive.
        literature_chat_model=literature_model(settings, chain),
        synthesis_time_limit_s=settings.synthesis_time_limit_s,
        synthesis_cache_dir=settings.data_dir / "synthesis",
    )


@access.operator
def agent_runtime(settings: Settings | None = None, *, offline: bool = False) -> AgentRuntime:
    """The runtime for these settings; `offline` runs the offline model even when a server is configured."""
    settings = settings or get_settings()
    chain = ModelChain() if offline else model_chain(settings)
    return AgentRuntime(
        chain=chain,
        tools=tool_context(settings, chain),
        max_steps=settings.agent_max_steps,
        time_limit_s=settings.agent_time_limit_s,
    )


def _compile(runtime: AgentRuntime, checkpointer: Any) -> Any:
    graph = build_graph(
        runtime.chain,
        build_tools(runtime.tools),
        checkpointer,
        max_steps=runtime.max_steps,
        time_limit_s=runtime.time_limit_s,
    )
    graph.agent_runtime = runtime  # what the graph was built from, for tests and diagnostics
    return graph


def standalone_graph(*, offline: bool = False, settings: Settings | None = None) -> Any:
    """A graph with in-memory state (evaluations, benchmarks): nothing is written to the app database."""
    from langgraph.checkpoint.memory import InMemorySaver

    return _compile(agent_runtime(settings, offline=offline), InMemorySaver())


def agent_graph(settings: Settings | None = None) -> Any:
    """The compiled graph for these settings (one per process: the checkpointer holds a connection)."""
    settings = settings or get_settings()
    chain = model_chain(settings)
    key = (
        settings.resolved_database_url,
        settings.resolved_milvus_uri,
        tuple(chain.endpoints),
        settings.agent_max_steps,
        settings.agent_time_limit_s,
        settings.synthesis_time_limit_s,
    )
    with _lock:
        if key not in _graphs:
            _graphs[key] = _compile(agent_runtime(settings), _checkpointer(settings.resolved_database_url))
        return _graphs[key]


def reset_graphs() -> None:
    """Forget compiled graphs and close their checkpointer connections (tests, settings changes)."""
    with _lock:
        for graph in _graphs.values():
            conn = getattr(graph.checkpointer, "conn", None)
            if conn is not None:
                conn.close()
        _graphs.clear()


def _artifacts_for(call: ToolCallRecord) -> list[tuple[str, str, dict[str, Any]]]:
    """(stored kind, title, payload) artifacts from one tool result, read once as its typed result
    (tools.results); the payload is the typed result's JSON, with its `kind`."""
    result = results.parse(call.name, call.result or {})
    match result:
        case results.LiteratureResult():
            return [(results.STORED_KINDS["citation"], f"[{c.n}] {c.title}", results.dump(c)) for c in result.citations]
        case results.RouteSearchResult() if result.refused or not result.routes:
            return []
        case (
            results.MoleculeResult()
            | results.PredictionResult()
            | results.ScreenResult()
            | results.SimilarityResult()
            | results.RouteSearchResult()
        ):
            return [(results.STORED_KINDS[result.kind], result.title, results.dump(result))]
    return []  # errors, refusals and results of unknown tools are in the tool card, not artifacts


@access.guarded
def send(
    account: Account,
    session_id: int,
    text: str,
    *,
    role: str | None = None,
    on_event: Event | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TurnResult:
    """Run one turn. Events: ('token', {text}), ('tool_call', {...}), ('tool_result', {...})."""
    text = text.strip()
    if not text:
        raise ValidationFailed("Type a question first.")
    if len(text) > MAX_QUESTION:
        raise ValidationFailed(f"A message has at most {MAX_QUESTION} characters (this one has {len(text)}).")
    if role is not None and role not in ROLES:
        raise ValidationFailed(f"Unknown model role '{role}'. Choose one of: {', '.join(ROLES)}.")
    emit = on_event or (lambda kind, data: None)
    info = sessions.get_session(account, session_id)
    sessions.add_message(account, session_id, "user", text)
    if info.title == DEFAULT_TITLE:
        sessions.rename_session(account, session_id, text if len(text) <= 60 else text[:57].rstrip() + "...")

    graph = agent_graph()
    config = {"configurable": {"thread_id": str(session_id), "role": role}, "recursion_limit": 50}
    calls: dict[str, ToolCallRecord] = {}
    streamed: list[str] = []
    stopped = False
    for mode, payload in graph.stream(
        {"messages": [HumanMessage(content=text)]}, config, stream_mode=["messages", "updates"]
    ):
        if should_stop and should_stop():
            stopped = True
            break
        if mode == "messages":
            chunk, meta = payload
            if isinstance(chunk, AIMessageChunk) and meta.get("langgraph_node") == "agent" and chunk.content:
                streamed.append(str(chunk.content))
                emit("token", {"text": str(chunk.content)})
            continue
        for update in (payload or {}).values():
            for message in (update or {}).get("messages", []) if isinstance(update, dict) else []:
                if isinstance(message, AIMessage) and message.tool_calls:
                    for c in message.tool_calls:
                        call_id = c["id"] or ""  # the models here always give one; a ToolMessage answers it by id
                        calls[call_id] = ToolCallRecord(call_id, c["name"], c["args"])
                        emit("tool_call", calls[call_id].as_dict())
                elif isinstance(message, ToolMessage) and message.tool_call_id in calls:
                    record = calls[message.tool_call_id]
                    record.duration_s = time.monotonic() - record.started
                    _, record.result = tool_result(message)  # the one reader of tool-message JSON
                    emit("tool_result", record.as_dict())

    state = graph.get_state(config).values
    last = state.get("messages", [])[-1] if state.get("messages") else None
    answer = str(last.content) if isinstance(last, AIMessage) and not last.tool_calls else "".join(streamed)
    if stopped:
        answer = (answer + "\n\n*(Stopped.)*").strip()
    model = state.get("model_used") or OFFLINE_MODEL_NAME
    call_dicts = [c.as_dict() for c in calls.values()]
    message = sessions.add_message(account, session_id, "assistant", answer, model=model, tool_calls=call_dicts)
    artifacts = [
        sessions.add_artifact(account, session_id, kind, payload, title=title, message_id=message.id)
        for call in calls.values()
        for kind, title, payload in _artifacts_for(call)
    ]
    return TurnResult(message=message, tool_calls=call_dicts, artifacts=artifacts, model=model, stopped=stopped)
