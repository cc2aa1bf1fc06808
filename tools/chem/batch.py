"""Batch analysis over thousands of molecules on all cores, with a progress callback.

Work is sent to a ``concurrent.futures.ProcessPoolExecutor`` in chunks of rows (text in, flat dicts out, so
little is pickled). Small batches (< ``MIN_PARALLEL`` rows) and ``n_jobs=1`` run in this process. Workers are
started with the 'forkserver' method, which is safe inside threaded hosts such as Streamlit.

Why not datamol's ``parallelized`` (joblib): it reports progress only as a tqdm bar, while the app's job runner
needs ``progress(done, total)`` callbacks, and it cannot preload RDKit and our data in a forkserver; so datamol,
imported nowhere else, is no longer a dependency.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, TypeVar

from tools.chem.alerts import alerts
from tools.chem.descriptors import descriptors
from tools.chem.errors import ChemError
from tools.chem.filters import rule_filters
from tools.chem.identifiers import inchi_and_key
from tools.chem.readers import Record, parse_record
from tools.chem.safety import screen
from tools.chem.standardize import standardize

MIN_PARALLEL = 200
"""Below this many rows a batch runs in-process (starting workers would cost more than it saves)."""
Progress = Callable[[int, int], None]
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class BatchOptions:
    """What to compute per row (descriptors always; the rest can be switched off for speed)."""

    identifiers: bool = True
    filters: bool = True
    alerts: bool = True
    safety: bool = True
    standardize: bool = False


def default_jobs() -> int:
    """Worker processes to use: the CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _run_chunk(func: Callable[[T], R], chunk: Sequence[T]) -> list[R]:
    return [func(item) for item in chunk]


def map_parallel(
    func: Callable[[T], R],
    items: Sequence[T],
    *,
    n_jobs: int | None = None,
    chunk_size: int | None = None,
    progress: Progress | None = None,
) -> list[R]:
    """``[func(x) for x in items]`` over ``n_jobs`` processes, in order (``func`` must pickle).

    ``progress(done, total)`` is called after each chunk, in the calling process.
    """
    total = len(items)
    n_jobs = default_jobs() if n_jobs is None else max(1, n_jobs)
    chunk_size = chunk_size or max(20, min(1000, total // (n_jobs * 8) or 1))
    chunks = [items[i : i + chunk_size] for i in range(0, total, chunk_size)]
    if n_jobs == 1 or total < MIN_PARALLEL:
        out: list[R] = []
        for chunk in chunks:
            out.extend(_run_chunk(func, chunk))
            if progress:
                progress(len(out), total)
        if progress and total == 0:
            progress(0, 0)
        return out
    results: list[list[R] | None] = [None] * len(chunks)
    done = 0
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tools.chem.preload"])  # workers fork with RDKit and data loaded
    with ProcessPoolExecutor(max_workers=min(n_jobs, len(chunks)), mp_context=context) as pool:
        futures = {pool.submit(_run_chunk, func, chunk): i for i, chunk in enumerate(chunks)}
        for future in as_completed(futures):
            i = futures[future]
            results[i] = future.result()
            done += len(chunks[i])
            if progress:
                progress(done, total)
    return [r for chunk_result in results for r in (chunk_result or [])]


def _alerts_text(found: list) -> str:
    return "; ".join(f"{a.catalog}:{a.name}" for a in found)


def analyse_record(record: Record, options: BatchOptions = BatchOptions()) -> dict[str, Any]:
    """One flat, CSV-friendly row for a record; chemistry problems go into the 'error' column."""
    from rdkit import Chem

    row: dict[str, Any] = {
        "row": record.row,
        "name": record.name,
        "input": record.text if record.kind == "smiles" else "",
    }
    record = parse_record(record)
    if record.mol is None:
        row["error"] = record.error
        return row
    try:
        mol = standardize(record.mol) if options.standardize else record.mol
        row["canonical_smiles"] = Chem.MolToSmiles(mol)
        if options.identifiers:
            row["inchikey"] = inchi_and_key(mol)[1]
        d = descriptors(mol)
        row.update(
            {k: v for k, v in d.to_dict().items() if k not in ("provenance", "capped_smiles", "attachment_points")}
        )
        row["attachment_points"] = d.attachment_points
        if options.filters:
            filters = rule_filters(mol)
            row["lipinski_violations"] = filters["lipinski"].violations
            row.update({f"{name}_pass": r.passed for name, r in filters.items()})
        if options.alerts:
            row["alerts"] = _alerts_text(alerts(mol))
        if options.safety:
            result = screen(mol)
            row["safety_flagged"] = result.flagged
            row["safety_hits"] = "; ".join(f"{h.name} ({h.category})" for h in result.hits)
        row["error"] = None
    except ChemError as exc:
        row["error"] = str(exc)
    return row


@dataclass(frozen=True)
class _Job:
    options: BatchOptions

    def __call__(self, record: Record) -> dict[str, Any]:
        return analyse_record(record, self.options)


def analyse_batch(
    inputs: Iterable[Record | str],
    *,
    options: BatchOptions = BatchOptions(),
    n_jobs: int | None = None,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """Analyse SMILES strings or file Records (see tools.chem.readers) in parallel; one row dict per input.

    Rows keep input order and carry 'row' (input position or file row), 'name', 'error' (None when fine),
    canonical SMILES, InChIKey, every descriptor, rule-filter results, alerts and the safety screen.
    """
    records = [
        item if isinstance(item, Record) else Record(row=i, text=str(item)) for i, item in enumerate(inputs, start=1)
    ]
    for record in records:  # parse in the workers, not here
        record.mol = None
    return map_parallel(_Job(options), records, n_jobs=n_jobs, progress=progress)
