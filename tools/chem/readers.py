"""Read molecules from SDF, CSV/TSV and SMILES files: one Record per row, bad rows reported, never a crash.

``row`` is the line number in the file for CSV/TSV/SMILES files (header = line 1, as a spreadsheet numbers
rows) and the 1-based record number for SDF. Files over ``max_bytes`` raise FileTooLarge before reading.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from rdkit import Chem

from tools.chem.convert import MAX_SMILES_LENGTH, from_molblock, from_smiles
from tools.chem.errors import ChemError, FileTooLarge, UnsupportedFile

MAX_FILE_BYTES = 200 * 1024 * 1024
"""Default size limit for input files (bytes): about 100k drug-like molecules in SDF fit comfortably."""
SMILES_COLUMNS = ("smiles", "canonical_smiles", "smiles_string", "structure", "mol", "molecule")
NAME_COLUMNS = ("name", "id", "compound_id", "compound id", "chembl_id", "title", "molecule_name")
FileFormat = Literal["sdf", "csv", "tsv", "smi"]
_EXTENSIONS: dict[str, FileFormat] = {
    ".sdf": "sdf", ".sd": "sdf", ".mol": "sdf", ".csv": "csv", ".tsv": "tsv",
    ".smi": "smi", ".smiles": "smi", ".txt": "smi",
}  # fmt: skip


@dataclass
class Record:
    """One input row: where it was (row), its name, the structure text and kind, parsed mol or the error."""

    row: int
    text: str
    kind: str = "smiles"
    name: str | None = None
    mol: Chem.Mol | None = None
    error: str | None = None
    props: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.mol is not None and self.error is None


def detect_format(filename: str | Path) -> FileFormat:
    """File format from the extension (.sdf/.sd/.mol, .csv, .tsv, .smi/.smiles/.txt)."""
    suffix = Path(filename).suffix.lower()
    if suffix not in _EXTENSIONS:
        raise UnsupportedFile(f"Cannot read {Path(filename).name!r}: use an .sdf, .csv, .tsv or .smi file.")
    return _EXTENSIONS[suffix]


def read_records(
    source: str | Path | bytes,
    *,
    fmt: FileFormat | None = None,
    filename: str | None = None,
    smiles_column: str | None = None,
    name_column: str | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    parse: bool = True,
) -> Iterator[Record]:
    """Yield one Record per row of a file path or of uploaded ``bytes`` (then give ``fmt`` or ``filename``).

    With ``parse=False`` records carry only the text (for parsing in worker processes, see tools.chem.batch).
    Raises FileTooLarge / UnsupportedFile for whole-file problems; row problems go into ``Record.error``.
    """
    if isinstance(source, bytes):
        size, label = len(source), filename or "upload"
    else:
        path = Path(source)
        if not path.is_file():
            raise UnsupportedFile(f"No such file: {str(path)!r}.")
        size, label = path.stat().st_size, path.name
    if size > max_bytes:
        raise FileTooLarge(f"{label} is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB. Split the file.")
    fmt = fmt or detect_format(filename or label)
    if isinstance(source, bytes):
        handle: io.TextIOBase = io.StringIO(source.decode("utf-8", errors="replace"), newline=None)
    else:
        handle = open(source, encoding="utf-8", errors="replace", newline="")  # noqa: SIM115 - closed below
    try:
        if fmt == "sdf":
            records: Iterable[Record] = _sdf_records(handle)
        elif fmt == "smi":
            records = _smi_records(handle)
        else:
            records = _table_records(handle, "\t" if fmt == "tsv" else ",", smiles_column, name_column)
        for record in records:
            yield parse_record(record) if parse else record
    finally:
        handle.close()


def parse_record(record: Record) -> Record:
    """Fill ``record.mol`` (or ``record.error``) from its text. Never raises for bad chemistry."""
    if record.error is not None:
        return record
    try:
        record.mol = from_molblock(record.text) if record.kind == "molblock" else from_smiles(record.text)
    except ChemError as exc:
        record.error = str(exc)
    return record


def _pick(columns: list[str], wanted: str | None, candidates: tuple[str, ...], what: str) -> str | None:
    lowered = {c.strip().lower(): c for c in columns}
    if wanted is not None:
        if wanted in columns:
            return wanted
        if wanted.lower() in lowered:
            return lowered[wanted.lower()]
        raise UnsupportedFile(f"No {what} column {wanted!r}; the columns are: {', '.join(columns)}.")
    return next((lowered[c] for c in candidates if c in lowered), None)


def _table_records(
    handle: io.TextIOBase, delimiter: str, smiles_column: str | None, name_column: str | None
) -> Iterator[Record]:
    reader = csv.reader(handle, delimiter=delimiter)
    header = next(reader, None)
    if not header:
        raise UnsupportedFile("The file is empty: expected a header row with a SMILES column.")
    header = [h.strip().lstrip("\ufeff") for h in header]
    scol = _pick(header, smiles_column, SMILES_COLUMNS, "SMILES")
    if scol is None:
        raise UnsupportedFile(
            f"No SMILES column found (looked for {', '.join(SMILES_COLUMNS)}); the columns are: {', '.join(header)}."
        )
    ncol = _pick(header, name_column, NAME_COLUMNS, "name")
    si, ni = header.index(scol), (header.index(ncol) if ncol else None)
    for values in reader:
        row = reader.line_num
        if not values or not any(v.strip() for v in values):
            continue
        props = {h: v for h, v in zip(header, values, strict=False)}
        name = values[ni].strip() if ni is not None and ni < len(values) else None
        if len(values) != len(header):
            yield Record(row, "", name=name, props=props,
                         error=f"{len(values)} fields but the header has {len(header)}.")  # fmt: skip
            continue
        text = values[si].strip()
        error = None
        if not text:
            error = "empty SMILES."
        elif len(text) > MAX_SMILES_LENGTH:
            error = f"SMILES is {len(text):,} characters long; the limit is {MAX_SMILES_LENGTH:,}."
        yield Record(row, text, name=name or None, props=props, error=error)


def _smi_records(handle: io.TextIOBase) -> Iterator[Record]:
    for row, line in enumerate(handle, start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        parts = stripped.split(maxsplit=1)
        if row == 1 and parts[0].lower() in SMILES_COLUMNS:  # a header line
            continue
        yield Record(row, parts[0], name=parts[1] if len(parts) > 1 else None)


def _sdf_records(handle: io.TextIOBase) -> Iterator[Record]:
    number, lines = 0, list[str]()
    for line in handle:
        if line.rstrip("\r\n").strip() == "$$$$":
            number += 1
            yield _sdf_record(number, lines)
            lines = []
        else:
            lines.append(line.rstrip("\r\n"))
    if any(line.strip() for line in lines):
        yield _sdf_record(number + 1, lines)


def _sdf_record(number: int, lines: list[str]) -> Record:
    end = next((i for i, line in enumerate(lines) if line.startswith("M  END")), None)
    if end is None:
        return Record(number, "\n".join(lines), kind="molblock", error="no 'M  END' line (not a mol block).")
    props: dict[str, str] = {}
    key: str | None = None
    for line in lines[end + 1 :]:
        if line.startswith(">"):
            start, stop = line.find("<"), line.find(">", line.find("<") + 1)
            key = line[start + 1 : stop] if 0 <= start < stop else None
            if key is not None:
                props[key] = ""
        elif key is not None:
            if line.strip() == "":
                key = None
            else:
                props[key] = (props[key] + "\n" + line) if props[key] else line
    title = lines[0].strip() if lines else ""
    name = title or next((props[k] for k in props if k.lower() in NAME_COLUMNS), None)
    return Record(number, "\n".join(lines[: end + 1]) + "\n", kind="molblock", name=name, props=props)
