"""`chemassist init` and `chemassist web`: prepare the installation and start the Streamlit app."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from types import FrameType
from typing import NoReturn

import typer

from app.cli.common import console, friendly_errors
from app.services import bootstrap
from app.settings import PROJECT_ROOT, get_settings

STREAMLIT_ENTRY = PROJECT_ROOT / "app" / "streamlit_app.py"
# Streamlit stops its server on SIGTERM, but the interpreter then waits for every non-daemon thread, and Milvus
# Lite's in-process gRPC server threads end only in an atexit hook that runs after that wait: the process never
# exits. So `web` supervises Streamlit as a child and kills it when it has not stopped by itself in this time.
STOP_GRACE_S = 4.0


@friendly_errors
def init(
    admin: str = typer.Option("admin", "--admin", help="Username of the first administrator."),
    ask: bool = typer.Option(
        None, "--ask/--no-ask", help="Ask for the admin password (default: ask when run in a terminal)."
    ),
    demo: bool = typer.Option(True, "--demo/--no-demo", help="Load the demo literature library if it is empty."),
) -> None:
    """Apply database migrations, create the first admin if there is none, load the demo library if empty."""
    revision = bootstrap.ensure_schema()
    console.print(f"Database ready (revision {revision}) at {get_settings().resolved_database_url}")
    if ask is None:
        ask = sys.stdin.isatty()
    password = None
    if ask and bootstrap.accounts.count_admins() == 0:
        console.print(f"No administrator yet. Choose a password for '{admin}' (empty: generate one).")
        password = typer.prompt("Password", hide_input=True, default="", show_default=False) or None
        if password and typer.prompt("Repeat", hide_input=True, confirmation_prompt=False) != password:
            _mismatch()
    created = bootstrap.ensure_admin(admin, password)
    if created and created.password:
        console.print(
            f"\n[bold]First administrator created[/]: user [bold]{created.username}[/], "
            f"password [bold]{created.password}[/]\n"
            "This password is shown once. Change it on the Account page after signing in "
            f"(or: chemassist users reset-password {created.username}).\n"
        )
    elif created:
        console.print(f"First administrator '{created.username}' created.")
    if demo:
        _load_demo_library()


def _load_demo_library() -> None:
    from rich.progress import Progress

    from app.services import library

    try:
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("Loading the demo literature library", total=None)

            def progress(done: int, total: int, message: str = "") -> None:
                bar.update(task, completed=done, total=total or None)

            report = library.ensure_demo_library(progress=progress)
    finally:
        library.close_stores()  # Milvus Lite: one process per file; the web app opens it next
    if report is not None:
        console.print(
            f"Demo literature library loaded: {len(report.added)} documents, {report.chunks} passages "
            f"in {report.seconds:.0f} s" + (f"; {len(report.failed)} failed" if report.failed else "")
        )


def _mismatch() -> NoReturn:
    console.print("[red]The passwords differ; nothing was created.[/]")
    raise typer.Exit(1)


def web(
    host: str = typer.Option(None, "--host", help="Listen address (default CHEMASSIST_HOST or 127.0.0.1)."),
    port: int = typer.Option(None, "--port", help="Port (default CHEMASSIST_PORT or 8501)."),
) -> None:
    """Start the web app (Streamlit) and print its URL."""
    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    console.print(f"chemassist is starting at [bold]http://{host}:{port}[/]  (Ctrl+C to stop)")
    args = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(STREAMLIT_ENTRY),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--client.toolbarMode",
        "minimal",
    ]
    raise typer.Exit(_supervise(args))


def _supervise(args: list[str]) -> int:
    """Run Streamlit as a child until it ends; SIGTERM, SIGINT or SIGHUP to this process stop it, and a child that
    has not stopped STOP_GRACE_S after the signal is killed. Returns the exit status for `chemassist web`."""
    child = subprocess.Popen(args)
    stop_by: list[float] = []  # the deadline, once a signal came

    def stop(signum: int, frame: FrameType | None) -> None:
        if not stop_by:
            stop_by.append(time.monotonic() + STOP_GRACE_S)
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, stop)
    while True:
        try:
            code = child.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            if stop_by and time.monotonic() > stop_by[0] and len(stop_by) == 1:
                stop_by.append(time.monotonic())  # killed once
                console.print(f"Streamlit did not stop within {STOP_GRACE_S:.0f} s of the signal: killing it.")
                child.kill()
            continue
        return 0 if stop_by else code
