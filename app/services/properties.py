"""Property prediction for the UI and the agent: predict many SMILES, screen candidates, read model cards."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import tools.chem as chem
from app.errors import ValidationFailed
from tools.properties import cards, datasets
from tools.properties.errors import InvalidSmiles, PropertyError
from tools.properties.featurize import parse
from tools.properties.predict import Progress, predict
from tools.properties.screening import enumerate_analogs, parse_window, screen_analogs
from tools.properties.screening import screen as _screen
from tools.results import Prediction, PredictionResult, ScreenResult, ScreenRow, dump

MAX_BATCH = 10_000
MAX_FILE_BYTES = 20 * 1024 * 1024
SCREEN_PROVENANCE = "predicted by chemassist property models; analogs enumerated by RDKit reactions"
PREDICTION_PROVENANCE = "predicted by chemassist property models (see each model card)"
FILE_SUFFIXES = (".smi", ".smiles", ".txt", ".csv")  # no valid SMILES ends like this


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
    """SMILES from a file (see smiles_from_text); a file that cannot be read raises ValidationFailed saying why."""
    try:
        if not path.is_file():
            raise ValidationFailed(f"{path} is not a file.")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ValidationFailed(f"{path} is larger than {MAX_FILE_BYTES // 2**20} MiB; split it into smaller files.")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(f"{path} is not a UTF-8 text file of SMILES ({exc.reason}).") from None
    except OSError as exc:
        raise ValidationFailed(f"Could not open {path}: {exc.strerror or exc}.") from None
    return smiles_from_text(text)


def _is_smiles(text: str) -> bool:
    try:
        parse(text)
    except InvalidSmiles:
        return False
    return True


def smiles_from_argument(arg: str) -> list[str]:
    """What one command-line argument stands for: the SMILES in the file it names, or the SMILES itself.

    A SMILES is never mistaken for a path: one of 256 characters or more (a polymer, a long chain) is not a
    valid file name, and `/` or `\\` are stereo bonds. An argument that names no readable file and is no valid
    SMILES either, but looks like a path (a file suffix, a directory part), raises ValidationFailed saying so."""
    if not arg.strip():
        raise ValidationFailed("Give a SMILES, or the path of a file with one SMILES a line.")
    path = Path(arg).expanduser()
    try:
        is_file, exists, problem = path.is_file(), path.exists(), "no such file"
    except OSError as exc:  # name too long for the file system, permission denied on a folder...
        is_file, exists, problem = False, False, exc.strerror or str(exc)
    if is_file:
        return smiles_from_file(path)
    if exists and not _is_smiles(arg):
        kind = "a folder" if path.is_dir() else "not a regular file"
        raise ValidationFailed(f"{arg} is {kind}, not a file of SMILES.")
    looks_like_path = arg.lower().endswith(FILE_SUFFIXES) or (
        any(sep in arg for sep in ("/", "\\", "~")) and not _is_smiles(arg)
    )
    if looks_like_path and not exists:
        raise ValidationFailed(
            f"Could not open {arg}: {problem}. Give a SMILES, or the path of a file with one SMILES a line "
            "(or a CSV with a smiles column)."
        )
    return [arg]


def smiles_from_upload(data: bytes, filename: str) -> list[str]:
    """SMILES from the bytes of an uploaded file (see smiles_from_text), with size and encoding checked."""
    if len(data) > MAX_FILE_BYTES:
        raise ValidationFailed(f"{filename} is larger than {MAX_FILE_BYTES // 2**20} MiB; split it into smaller files.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(f"{filename} is not a UTF-8 text file of SMILES ({exc.reason}).") from None
    return smiles_from_text(text)


def _check_batch(smiles: Sequence[str]) -> None:
    if not smiles:
        raise ValidationFailed("Give at least one SMILES.")
    if len(smiles) > MAX_BATCH:
        raise ValidationFailed(f"{len(smiles)} structures is more than {MAX_BATCH} per request; split the list.")


def predict_many(
    smiles: Sequence[str], properties: Sequence[str] | None = None, progress: Progress | None = None
) -> list[Prediction]:
    """One Prediction per (SMILES, property): value, unit, interval, in_domain, neighbours, model, error (an
    invalid SMILES gets one, with its error; `input` is left empty for the caller to name the structure).
    `progress(done, total, message)` hears of each chunk of structures predicted (it may raise to stop)."""
    _check_batch(smiles)
    try:
        return predict(list(smiles), properties or None, progress=progress)
    except PropertyError as exc:
        raise ValidationFailed(str(exc)) from None


def prediction_result(query: str, smiles: str, predictions: Sequence[Prediction]) -> PredictionResult:
    """The predictions of one structure as a session artifact, shaped like the chat's predict_properties result."""
    return PredictionResult(query=query, smiles=smiles, predictions=list(predictions), provenance=PREDICTION_PROVENANCE)


def screen(
    windows: Sequence[str],
    candidates: Sequence[str] | None = None,
    seed: str | None = None,
    rank_by: str | None = None,
    conservative: bool = False,
    max_analogs: int = 300,
    progress: Progress | None = None,
) -> list[ScreenRow]:
    """Screen `candidates`, or the seed and its enumerated analogs; rows best first (screening.screen).
    `progress(done, total, message)` hears of the structures predicted so far (it may raise to stop)."""
    if bool(candidates) == bool(seed):
        raise ValidationFailed("Give either a list of candidate SMILES or one seed structure to vary.")
    try:
        if seed:
            rows = screen_analogs(
                seed, windows, rank_by=rank_by, conservative=conservative, max_analogs=max_analogs, progress=progress
            )
        else:
            assert candidates is not None
            _check_batch(candidates)
            rows = _screen(list(candidates), windows, rank_by=rank_by, conservative=conservative, progress=progress)
    except PropertyError as exc:
        raise ValidationFailed(str(exc)) from None
    return rows


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


def resolve_structure(text: str) -> str:
    """SMILES for what a person typed: a SMILES (kept as written, `*` included), an InChI or a chemical name."""
    try:
        parsed = chem.parse_input(text)
    except chem.ChemError as exc:
        raise ValidationFailed(str(exc)) from None
    return parsed.text.strip() if parsed.kind == "smiles" else chem.to_smiles(parsed.mol)


def property_choices() -> dict[str, str]:
    """Property name -> label (with unit) of every shipped model, for pickers."""
    return {name: f"{spec.label}, {spec.unit}" for name, spec in datasets.SPECS.items()}


def parse_windows(texts: Sequence[str]) -> dict[str, list[float | None]]:
    """'Tg > 250 °C', 'logS > -4' ... -> {property: [low, high]} in each model's unit (as the chat's screen)."""
    windows: dict[str, list[float | None]] = {}
    for text in texts:
        try:
            w = parse_window(text)
        except PropertyError as exc:
            raise ValidationFailed(str(exc)) from None
        low, high = windows.get(w.property, [None, None])
        windows[w.property] = [w.low if w.low is not None else low, w.high if w.high is not None else high]
    if not windows:
        raise ValidationFailed("Give at least one property window, e.g. 'Tg > 250 °C' or 'logS > -4'.")
    return windows


def analogs(seed: str, max_analogs: int = 300) -> list[str]:
    """The seed (canonical SMILES, first) and its single-edit analogs: the candidates `screen(seed=...)` uses."""
    try:
        return [chem.to_smiles(parse(seed)), *enumerate_analogs(seed, max_analogs=max_analogs)]
    except PropertyError as exc:
        raise ValidationFailed(str(exc)) from None


def screen_payload(
    rows: Sequence[ScreenRow], windows: dict[str, list[float | None]], seed: str | None = None
) -> ScreenResult:
    """A screening result, shaped like the chat's screen_candidates result (seed and seed_smiles are empty when
    the candidates were a list); `artifact_payload` of it is what a session stores as a `table` artifact."""
    return ScreenResult(
        seed=seed or "",
        seed_smiles=analogs(seed, max_analogs=0)[0] if seed else "",
        windows=windows,
        rows=list(rows),
        total_candidates=len(rows),
        provenance=SCREEN_PROVENANCE if seed else "predicted by chemassist property models",
    )


def artifact_payload(result: PredictionResult | ScreenResult) -> dict[str, Any]:
    """The JSON object a session stores for a prediction or screening result: its fields and its `kind`."""
    return dump(result)
