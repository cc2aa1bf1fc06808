"""Virtual screening: enumerate simple analogs of a seed, predict, filter by property windows, rank.

Windows carry their unit explicitly ("Tg > 250 °C" is stored as Tg > 523.15 K, the model's unit).
Analogs are single-site edits written as RDKit reaction SMARTS: H -> substituent on an aromatic CH, and
swaps of an existing aromatic substituent for another (R-group swap). Works on polymer repeat units too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rdkit import Chem
from rdkit.Chem import rdChemReactions

from tools.properties import datasets
from tools.properties.errors import PropertyError
from tools.properties.featurize import parse
from tools.properties.predict import Progress, predict
from tools.results import Prediction, ScreenRow

# name -> SMILES fragment attached through its first atom
SUBSTITUENTS: dict[str, str] = {
    "F": "F",
    "Cl": "Cl",
    "CH3": "C",
    "OH": "O",
    "OCH3": "OC",
    "CF3": "C(F)(F)F",
    "NH2": "N",
}
# existing aromatic substituents that an R-group swap may replace (SMARTS of the leaving group)
SWAPPABLE: dict[str, str] = {
    "F": "F",
    "Cl": "Cl",
    "Br": "Br",
    "CH3": "[CH3]",
    "OH": "[OH]",
    "OCH3": "[OX2]-[CH3]",
    "CF3": "C(F)(F)F",
    "NH2": "[NH2]",
}

_CELSIUS = {"°c", "degc", "c", "celsius", "oc"}
_KELVIN = {"k", "kelvin"}
_FAHRENHEIT = {"°f", "degf", "f", "fahrenheit"}


class ScreeningError(PropertyError):
    """A window, unit or seed the screen cannot use."""


@dataclass(frozen=True)
class Window:
    """Accept predictions with low <= value <= high, in the model's unit (K for Tg)."""

    property: str
    low: float | None = None
    high: float | None = None

    def accepts(self, value: float) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def describe(self) -> str:
        unit = datasets.SPECS[self.property].unit
        parts = []
        if self.low is not None:
            parts.append(f"{self.property} >= {self.low:g} {unit}")
        if self.high is not None:
            parts.append(f"{self.property} <= {self.high:g} {unit}")
        return " and ".join(parts)


def to_model_unit(prop: str, value: float, unit: str | None) -> float:
    """Convert a window bound to the model's unit; only temperatures (Tg) have other units."""
    spec = datasets.resolve(prop)
    u = (unit or "").strip().lower().replace(" ", "")
    if not u:
        return value
    if spec.unit == "K":
        if u in _KELVIN:
            return value
        if u in _CELSIUS:
            return value + 273.15
        if u in _FAHRENHEIT:
            return (value - 32) * 5 / 9 + 273.15
    elif u == spec.unit.lower().replace(" ", "") or (spec.unit.startswith("log") and u in {"log", "logunits"}):
        return value
    raise ScreeningError(f"Unit {unit!r} does not fit {spec.name} (model unit {spec.unit}).")


_WINDOW_RE = re.compile(
    r"^\s*(?P<prop>[A-Za-z_][\w\- ]*?)\s*(?P<op>>=|<=|>|<|=>|=<)\s*"
    r"(?P<num>[-+]?\d+(?:\.\d+)?)\s*(?P<unit>.*?)\s*$"
)


def parse_window(text: str) -> Window:
    """Parse 'Tg > 250 °C', 'logS >= -4', 'lipophilicity < 3' into a Window in the model's unit."""
    m = _WINDOW_RE.match(text)
    if not m:
        raise ScreeningError(f"Cannot read window {text!r}; write e.g. 'Tg > 250 °C' or 'logS > -4'.")
    spec = datasets.resolve(m["prop"])
    value = to_model_unit(spec.name, float(m["num"]), m["unit"] or None)
    if m["op"] in {">", ">=", "=>"}:
        return Window(spec.name, low=value)
    return Window(spec.name, high=value)


def _run(rxn_smarts: str, mol: Chem.Mol) -> set[str]:
    rxn = rdChemReactions.ReactionFromSmarts(rxn_smarts)
    out = set()
    for products in rxn.RunReactants((mol,)):
        product = products[0]
        try:
            Chem.SanitizeMol(product)
        except Exception:  # noqa: BLE001 - an impossible valence just means no analog at that site
            continue
        out.add(Chem.MolToSmiles(product))
    return out


def enumerate_analogs(
    seed: str,
    substituents: Iterable[str] | None = None,
    swaps: bool = True,
    max_analogs: int = 500,
) -> list[str]:
    """Canonical SMILES of single-edit analogs of `seed` (the seed itself excluded), sorted, deduplicated."""
    mol = parse(seed)
    names = list(substituents or SUBSTITUENTS)
    unknown = [n for n in names if n not in SUBSTITUENTS]
    if unknown:
        raise ScreeningError(f"Unknown substituent(s) {unknown}; choose from {', '.join(SUBSTITUENTS)}.")
    seed_canonical = Chem.MolToSmiles(mol)
    found: set[str] = set()
    for name in names:
        found |= _run(f"[cH:1]>>[c:1]{SUBSTITUENTS[name]}", mol)
        if swaps:
            for leaving_name, leaving in SWAPPABLE.items():
                if leaving_name != name:
                    found |= _run(f"[c:1]-{leaving}>>[c:1]{SUBSTITUENTS[name]}", mol)
    found.discard(seed_canonical)
    return sorted(found)[:max_analogs]


def screen(
    candidates: Sequence[str],
    windows: Sequence[Window | str],
    rank_by: str | None = None,
    conservative: bool = False,
    extra_properties: Sequence[str] = (),
    models_dir: Path | None = None,
    progress: Progress | None = None,
) -> list[ScreenRow]:
    """Predict, filter by windows, rank (`progress` as in predict: structures predicted of all).

    A candidate passes when every window accepts its predicted value (with `conservative`, the whole 90%
    interval must lie inside the window). Ranking: passing in-domain candidates first, then passing
    out-of-domain ones, then failures; within each group by `rank_by` (default: the first window's
    property), best first in the direction its window points. Rows with errors come last, unranked.
    """
    parsed = [parse_window(w) if isinstance(w, str) else w for w in windows]
    if not parsed:
        raise ScreeningError("Give at least one property window, e.g. 'Tg > 250 °C'.")
    props = list(dict.fromkeys([w.property for w in parsed] + [datasets.resolve(p).name for p in extra_properties]))
    rank_prop = datasets.resolve(rank_by).name if rank_by else parsed[0].property
    if rank_prop not in props:
        props.append(rank_prop)
    direction = -1.0 if any(w.property == rank_prop and w.low is not None for w in parsed) else 1.0
    if not any(w.property == rank_prop for w in parsed):
        direction = -1.0

    preds = predict(list(candidates), props, models_dir=models_dir, progress=progress)
    by_smiles: dict[int, list[Prediction]] = {}
    # predict returns one item per requested property for valid SMILES, one item for invalid ones
    pos = 0
    for i, _ in enumerate(candidates):
        first = preds[pos]
        n = 1 if first.property is None else len(props)
        by_smiles[i] = preds[pos : pos + n]
        pos += n

    rows: list[ScreenRow] = []
    for i, smi in enumerate(candidates):
        items = by_smiles[i]
        errors = [p.error for p in items if p.error]
        if errors:
            rows.append(
                ScreenRow(
                    rank=None,
                    smiles=smi,
                    passes=False,
                    all_in_domain=False,
                    error="; ".join(errors),
                    predictions={p.property: p for p in items if p.property},
                )
            )
            continue
        got = {p.property: p for p in items if p.property}
        failed = []
        for w in parsed:
            p = got[w.property]
            assert p.value is not None and p.interval_low is not None and p.interval_high is not None
            ok = (w.accepts(p.interval_low) and w.accepts(p.interval_high)) if conservative else w.accepts(p.value)
            if not ok:
                failed.append(w.describe())
        rows.append(
            ScreenRow(
                rank=None,
                smiles=smi,
                passes=not failed,
                all_in_domain=all(p.in_domain for p in got.values()),
                failed_windows=failed,
                predictions=got,
            )
        )

    def key(row: ScreenRow) -> tuple:
        if row.error:
            return (3, 0.0)
        group = 0 if row.passes and row.all_in_domain else 1 if row.passes else 2
        value = row.predictions[rank_prop].value or 0.0
        return (group, direction * value)

    rows.sort(key=key)
    for rank, row in enumerate((r for r in rows if not r.error), start=1):
        row.rank = rank
    return rows


def screen_analogs(seed: str, windows: Sequence[Window | str], include_seed: bool = True, **kwargs) -> list[ScreenRow]:
    """Enumerate analogs of `seed` (see enumerate_analogs) and screen them together with the seed."""
    analog_kwargs = {k: kwargs.pop(k) for k in ("substituents", "swaps", "max_analogs") if k in kwargs}
    candidates = enumerate_analogs(seed, **analog_kwargs)
    if include_seed:
        candidates = [Chem.MolToSmiles(parse(seed)), *candidates]
    return screen(candidates, windows, **kwargs)
