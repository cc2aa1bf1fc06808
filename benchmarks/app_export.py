"""Session export/import cost against the raw work underneath, in one run.

A session with 200 messages and 200 artifacts (molecule records and citations). Figures:
JSON export (load with access checks + checksum) vs serialising the same rows with json.dumps; JSON import
(validation + checksum + inserts) vs inserting the same rows through the sessions service.
Run: .venv/bin/python benchmarks/app_export.py  (writes benchmarks/results/app_export.json and app_export.md)
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
from datetime import date
from pathlib import Path

from app_services import median_ms

RESULTS = Path(__file__).parent / "results"


def main() -> None:
    os.environ["CHEMASSIST_DATA_DIR"] = tempfile.mkdtemp()
    import tools.chem as chem
    from app.db import migrate
    from app.services import accounts, export, sessions

    migrate.upgrade()
    alice = accounts.create_user("alice", "correct horse battery")
    s = sessions.create_session(alice, "Benchmark session")
    record = chem.analyse("aspirin").to_record()
    rows = []
    for i in range(100):
        q = sessions.add_message(alice, s.id, "user", f"Question {i} about aspirin")
        a = sessions.add_message(
            alice,
            s.id,
            "assistant",
            f"Answer {i}: C9H8O4, 180.16 g/mol",
            model="offline",
            tool_calls=[{"name": "molecule_info", "args": {"query": "aspirin"}, "result": record}],
        )
        sessions.add_artifact(alice, s.id, "molecule", record, title="aspirin", message_id=a.id)
        sessions.add_artifact(
            alice,
            s.id,
            "citation",
            {"n": 1, "document_id": "doi:x", "title": "T", "page": 1, "passage": "p" * 400},
            title="[1] T",
            message_id=a.id,
        )
        rows.append((q, a))
    document = export.to_json(alice, s.id)

    def raw_dump() -> None:
        msgs = sessions.list_messages(alice, s.id)
        arts = sessions.list_artifacts(alice, s.id)
        json.dumps([m.__dict__ for m in msgs] + [a.__dict__ for a in arts], default=str)

    def raw_insert() -> None:
        target = sessions.create_session(alice, "raw copy")
        for m in sessions.list_messages(alice, s.id):
            sessions.add_message(alice, target.id, m.role, m.content, model=m.model, tool_calls=m.tool_calls)
        for art in sessions.list_artifacts(alice, s.id):
            sessions.add_artifact(alice, target.id, art.kind, art.payload, title=art.title)

    figures = [
        (
            "JSON export, 200 messages + 200 artifacts",
            median_ms(lambda: export.to_json(alice, s.id), 5),
            "list the same rows + json.dumps",
            median_ms(raw_dump, 5),
        ),
        (
            "JSON import of that file (validated, checksummed)",
            median_ms(lambda: export.import_session(alice, document), 3),
            "insert the same rows one by one through the sessions service",
            median_ms(raw_insert, 3),
        ),
    ]
    machine = f"{os.cpu_count()}-core {platform.machine()} CPU, SQLite (WAL)"
    out = [
        {"figure": f, "ms": round(v, 1), "baseline": b, "baseline_ms": round(bv, 1), "ratio": round(v / bv, 2)}
        for f, v, b, bv in figures
    ]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "app_export.json").write_text(
        json.dumps(
            {"date": str(date.today()), "machine": machine, "size_bytes": len(document), "results": out}, indent=2
        )
    )
    lines = [
        "| figure | ms (median) | baseline | baseline ms | ratio | date | machine |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['figure']} | {r['ms']} | {r['baseline']} | {r['baseline_ms']} | {r['ratio']} | {date.today()} | "
        f"{machine} |"
        for r in out
    ]
    (RESULTS / "app_export.md").write_text("\n".join(lines) + f"\n\nExport file size: {len(document) / 1e6:.2f} MB.\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
