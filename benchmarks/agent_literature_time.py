"""A literature question in Chat vs on the Library page (issue 16 target: Chat within 1.5x), in one run.

Both go through the same runtime (app.services.chat.agent_runtime): the shared literature store with its
in-process index. Offline mode (no language model), the demo library, median of N warm runs after one warm-up.

Run: .venv/bin/python benchmarks/agent_literature_time.py  (writes benchmarks/results/agent_literature_time.json)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
QUESTION = "What does the library say about furfural yields from bagasse?"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5)
    n = parser.parse_args().n
    os.environ["CHEMASSIST_DATA_DIR"] = tempfile.mkdtemp()
    os.environ.pop("CHEMASSIST_LLM_BASE_URL", None)
    from app.db import migrate
    from app.services import accounts, chat, library, sessions

    migrate.upgrade()
    start = time.perf_counter()
    library.ensure_demo_library()
    print(f"demo library ingested in {time.perf_counter() - start:.0f} s")
    alice = accounts.create_user("alice", "correct horse battery")
    session = sessions.create_session(alice, "Literature timing")
    library.get_store().dense_snapshot(wait=True)  # both paths search the warm in-process index

    def page() -> None:
        library.ask_for(alice, QUESTION)

    def in_chat() -> None:
        turn = chat.send(alice, session.id, QUESTION)
        assert [c["name"] for c in turn.tool_calls] == ["search_literature"], turn.tool_calls

    def median_s(fn) -> float:  # type: ignore[no-untyped-def]
        fn()  # warm-up
        times = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return statistics.median(times)

    page_s, chat_s = median_s(page), median_s(in_chat)
    machine = f"{os.cpu_count()}-core {platform.machine()} CPU"
    result = {
        "date": str(date.today()),
        "machine": machine,
        "question": QUESTION,
        "library_page_s": round(page_s, 3),
        "chat_s": round(chat_s, 3),
        "ratio": round(chat_s / page_s, 2),
        "target": "<= 1.5",
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "agent_literature_time.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    library.close_stores()


if __name__ == "__main__":
    main()
