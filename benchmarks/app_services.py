"""Service-layer cost: listing sessions and signing in through chemassist vs the raw backend, and the access
policy's re-read of the acting account vs the same service body without it, in one run.

Run: .venv/bin/python benchmarks/app_services.py  (writes benchmarks/results/app_services.json and app.md)
"""

from __future__ import annotations

import inspect
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def median_ms(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    """Median wall time of `repeat` calls of fn(), in milliseconds (also used by app_export.py)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    tmp = tempfile.mkdtemp()
    os.environ["CHEMASSIST_DATA_DIR"] = tmp
    from argon2 import PasswordHasher
    from sqlalchemy import select

    from app.db import migrate
    from app.db.engine import get_engine
    from app.db.models import ResearchSession
    from app.services import accounts, sessions

    migrate.upgrade()
    alice = accounts.create_user("alice", "correct horse battery")
    for i in range(200):
        sessions.create_session(alice, f"Session {i}")

    engine = get_engine()

    def raw_list() -> None:
        with engine.connect() as conn:
            conn.execute(
                select(ResearchSession.id, ResearchSession.title)
                .where(ResearchSession.owner_id == alice.id, ResearchSession.archived.is_(False))
                .order_by(ResearchSession.updated_at.desc())
            ).all()

    def service_list() -> None:
        sessions.list_sessions(alice)

    hasher = PasswordHasher()
    stored = hasher.hash("correct horse battery")
    rows = []
    raw = median_ms(raw_list, 30)
    svc = median_ms(service_list, 30)
    rows.append(("list 200 sessions (service, with share/message counts)", svc, "raw SQLAlchemy Core select", raw))
    raw_verify = median_ms(lambda: hasher.verify(stored, "correct horse battery"), 20)
    sign_in = median_ms(lambda: accounts.authenticate("alice", "correct horse battery"), 20)
    rows.append(("sign in (argon2 verify + throttle + DB)", sign_in, "raw argon2 verify", raw_verify))
    # The access policy re-reads the acting account on every guarded call (one primary-key query).
    first = sessions.list_sessions(alice)[0].id
    unguarded = inspect.unwrap(sessions.get_session)
    policy = median_ms(lambda: sessions.get_session(alice, first), 200)
    body = median_ms(lambda: unguarded(alice, first), 200)
    rows.append(("open one session through the access policy", policy, "same service body, no account re-read", body))

    machine = f"{os.cpu_count()}-core {platform.machine()} CPU, SQLite (WAL)"
    out = [
        {
            "figure": f,
            "value_ms": round(v, 3),
            "baseline": b,
            "baseline_ms": round(bv, 3),
            "ratio": round(v / bv, 2),
        }
        for f, v, b, bv in rows
    ]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "app_services.json").write_text(
        json.dumps({"date": str(date.today()), "machine": machine, "results": out}, indent=2)
    )
    lines = [
        "| figure | ms (median) | baseline | baseline ms | ratio | date | machine |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in out:
        lines.append(
            f"| {r['figure']} | {r['value_ms']} | {r['baseline']} | {r['baseline_ms']} | {r['ratio']} | "
            f"{date.today()} | {machine} |"
        )
    (RESULTS / "app.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
