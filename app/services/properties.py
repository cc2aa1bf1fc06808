"""Property prediction for the UI and the agent: predict many SMILES, screen candidates, read model cards."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.errors import ValidationFailed
from tools.properties import cards, datasets
from tools.properties.errors import PropertyError
from tools.properties.predict import predict
from tools.properties.screening import screen as _screen
from tools.properties.screening import screen_analogs

MAX_BATCH = 10_000
MAX_FILE_BYTES = 20 * 1024 * 1024


def smiles_from_text(text: str) -> list[str]:
    """SMILES from an uploaded file: one per line (first token), or a CSV with a `smiles` column."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise ValidationFailed("The file has no SMILES in it (empty, or only comments).")
    header = [h.strip().lower() for h in next(csv.reader([lines[0]]))]
    if "smiles" in header and len(header) > 1:
        col = header.index("smiles")
        rows = list(csv.reader(io.StringIO("\n".join(lines[1:]))))
        smiles = [r[col].strip() for r in rows if len(r) > col and r[col].strip()]
    else:
        if header == ["smiles"]:
            lines = lines[1:]
        smiles = [line.split()[0].strip().strip(",") for line in lines]
    if not smiles:
        raise ValidationFailed("The file has a header but no SMILES rows.")
    return smiles


def smiles_from_file(path: Path) -> list[str]:
    if not path.is_file():
        raise ValidationFailed(f"{path} is not a file.")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValidationFailed(f"{path} is larger than {MAX_FILE_BYTES // 2**20} MiB; split it into smaller files.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(f"{path} is not a UTF-8 text file of SMILES ({exc.reason}).") from None
    return smiles_from_text(text)


def _check_batch(smiles: Sequence[str]) -> None:
    if not smiles:
        raise ValidationFailed("Give at least one SMILES.")
    if len(smiles) > MAX_BATCH:
        raise ValidationFailed(f"{len(smiles)} structures is more than {MAX_BATCH} per request; split the list.")


def predict_many(smiles: Sequence[str], properties: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """One dict per (SMILES, property): value, unit, interval, in_domain, neighbours, model, error."""
    _check_batch(smiles)
    try:
        return [p.model_dump() for p in predict(list(smiles), properties or None)]
    except PropertyError as exc:
        raise ValidationFailed(str(exc)) from None


def screen(
    windows: Sequence[str],
    candidates: Sequence[str] | None = None,
    seed: str | None = None,
    rank_by: str | None = None,
    conservative: bool = False,
    max_analogs: int = 300,
) -> list[dict[str, Any]]:
    """Screen `candidates`, or the seed and its enumerated analogs; rows best first (screening.screen)."""
    if bool(candidates) == bool(seed):
        raise ValidationFailed("Give either a list of candidate SMILES or one seed structure to vary.")
    try:
        if seed:
            rows = screen_analogs(seed, windows, rank_by=rank_by, conservative=conservative, max_analogs=max_analogs)
        else:
            assert candidates is not None
            _check_batch(candidates)
            rows = _screen(list(candidates), windows, rank_by=rank_by, conservative=conservative)
    except PropertyError as exc:
        raise ValidationFailed(str(exc)) from None
    return [r.model_dump() for r in rows]


def model_cards() -> list[dict[str, Any]]:
    """Every trained model's card (without the stored test predictions), for a table in the UI."""
    out = []
    for name in datasets.SPECS:
        try:
            card = cards.load_card(name)
        except OSError:
            continue
        out.append({k: v for k, v in card.items() if k != "test_predictions"})
    return out


def model_card(name: str) -> dict[str, Any]:
    """The full card (parity and error-vs-similarity plot data included) and its Markdown."""
    try:
        spec = datasets.resolve(name)
        card = cards.load_card(spec.name)
    except PropertyError as exc:
        raise ValidationFailed(str(exc)) from None
    except OSError:
        raise ValidationFailed(f"No trained model for {name}; run `chemassist models train-properties`.") from None
    return {**card, "markdown": cards.render_markdown(card)}
