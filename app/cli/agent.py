"""`chemassist chat` and `chemassist eval agent`: the research agent from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from app.cli.common import console, friendly_errors, print_json
from app.db.models import Role
from app.errors import ValidationFailed
from app.services import accounts, chat, sessions
from app.settings import get_settings

eval_cli = typer.Typer(help="Evaluate the research agent on question suites with computable answers.")


def _operator(username: str | None) -> accounts.Account:
    if username:
        return accounts.find_account(username)
    admins = [u for u in accounts.list_users() if u.role == Role.admin and u.active]
    if not admins:
        raise ValidationFailed("No active administrator: run `chemassist init` or pass --user.")
    return admins[0]


@friendly_errors
def chat_command(
    message: str = typer.Argument(..., help="What to ask."),
    session: int | None = typer.Option(None, "--session", help="Continue this research session (id)."),
    user: str | None = typer.Option(None, "--user", help="Whose session (default: the first admin)."),
    role: str | None = typer.Option(None, "--role", help="Model role: chemistry, materials or general."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Run one chat turn through the same agent graph as the web app (stored in a research session)."""
    account = _operator(user)
    if session is None:
        session = sessions.create_session(account, chat.DEFAULT_TITLE).id
    turn = chat.send(account, session, message, role=role)
    citations = [a.payload for a in turn.artifacts if a.kind.value == "citation"]
    payload = {
        "session": session,
        "answer": turn.message.content,
        "tool_calls": [{"name": c["name"], "args": c["args"]} for c in turn.tool_calls],
        "artifacts": [{"kind": a.kind.value, "title": a.title} for a in turn.artifacts],
        "citations": citations,
        "mode": "offline" if turn.offline else turn.model,
    }
    if as_json:
        print_json(payload)
        return
    console.print(turn.message.content, highlight=False)
    console.print(f"\n[dim]session {session} · {payload['mode']}[/]")


@eval_cli.command("agent")
@friendly_errors
def eval_agent(
    suite: Path | None = typer.Option(None, "--suite", help="YAML suite (default: every shipped suite file)."),
    offline: bool = typer.Option(False, "--offline", help="Use the offline model even if an LLM is configured."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Run only the first N cases."),
    as_json: bool = typer.Option(False, "--json", help="Print the full report as JSON."),
) -> None:
    """Run a question suite; report accuracy, tool choice and latency per case."""
    from agents.evaluation import load_suite, run_suite

    try:
        cases = load_suite(suite)
    except (OSError, ValueError, KeyError) as exc:
        raise ValidationFailed(f"Cannot read the suite: {exc}") from None
    settings = get_settings()
    is_offline = offline or not settings.llm_base_url
    graph = chat.standalone_graph(offline=is_offline)
    report = run_suite(graph, cases[:limit] if limit else cases, "offline" if is_offline else str(settings.llm_model))
    if as_json:
        print_json(report.as_dict())
        return
    table = Table("case", "category", "correct", "tools", "latency s", "detail")
    for c in report.cases:
        table.add_row(
            c.id,
            c.category,
            "yes" if c.correct else "[red]no[/]",
            ",".join(c.tools_called),
            f"{c.latency_s:.2f}",
            c.detail[:60],
        )
    console.print(table)
    console.print(json.dumps(report.summary(), indent=2))
