"""Sticky routing: a conversation keeps hitting one replica (its prefix cache) and moves only when it is down."""

from __future__ import annotations

import httpx
import pytest

from serve.catalog import Routing
from serve.gateway import BackendConfig, GatewayConfig, ServerThread, create_app

SYSTEM = {"role": "system", "content": "You are a chemistry assistant for the polymer group."}


@pytest.fixture
def replicas(fake_backend):
    """Three replicas of fake-chat: (name, URL, process)."""
    return [(name, *fake_backend()) for name in ("r0", "r1", "r2")]


def sticky_gateway(replicas, policy: str = "round_robin") -> ServerThread:
    config = GatewayConfig(
        backends=[BackendConfig(name=n, url=u, models=["fake-chat"]) for n, u, _ in replicas],
        routing={"fake-chat": Routing(policy=policy, sticky=True)},  # type: ignore[arg-type]
    )
    return ServerThread(create_app(config))


def turn(gw: ServerThread, messages: list[dict], session: str | None = None) -> str:
    headers = {"X-Chemassist-Session": session} if session else {}
    resp = httpx.post(
        f"{gw.url}/v1/chat/completions", json={"model": "fake-chat", "messages": messages}, headers=headers
    )
    assert resp.status_code == 200, resp.text
    return resp.headers["x-chemassist-backend"]


def conversation(question: str, turns: int) -> list[list[dict]]:
    """The message lists of a multi-turn chat, as a client resends them each turn."""
    messages, out = [SYSTEM], []
    for i in range(turns):
        messages = [*messages, {"role": "user", "content": f"{question} (turn {i})"}]
        out.append(messages)
        messages = [*messages, {"role": "assistant", "content": f"answer {i}"}]
    return out


def test_a_session_keeps_its_replica_across_turns(replicas):
    with sticky_gateway(replicas) as gw:
        used = {turn(gw, messages, session="s-42") for messages in conversation("Tg of PMMA?", 5)}
    assert len(used) == 1


def test_without_a_session_id_the_first_messages_keep_a_chat_together(replicas):
    with sticky_gateway(replicas) as gw:
        used = {turn(gw, messages) for messages in conversation("Tg of PMMA?", 5)}
    assert len(used) == 1


def test_different_conversations_spread_over_the_replicas(replicas):
    with sticky_gateway(replicas) as gw:
        used = {turn(gw, [SYSTEM, {"role": "user", "content": "hello"}], session=f"s-{i}") for i in range(24)}
    assert used == {"r0", "r1", "r2"}


def test_when_its_replica_dies_a_conversation_moves_once_and_stays(replicas):
    turns = conversation("Tg of PMMA?", 6)
    with sticky_gateway(replicas, policy="load") as gw:
        home = turn(gw, turns[0], session="s-7")
        proc = next(p for n, _, p in replicas if n == home)
        proc.kill()
        proc.wait()
        after = [turn(gw, messages, session="s-7") for messages in turns[1:]]
        reason = httpx.get(f"{gw.url}/routing").json()["models"]["fake-chat"]["last_decision"]["reason"]
    assert home not in after and len(set(after)) == 1
    assert reason == "avoid_down"
