"""The protecting-group flag: functional groups a route step leaves untouched but its reaction class attacks.

For a step (template, product, precursors), rdchiral re-applies the template with atom maps to find the reaction
centre in the precursors: the atoms the template changes plus the atoms that leave (rdchiral numbers those 900 and
up). Every protectable group (data/protectable_groups.csv: free NH, OH, SH, COOH, C=O, terminal alkyne) outside
that centre is checked against the rules for the step's reaction class (data/protection_rules.csv): a rule holds
when the centre contains its reagent pattern (``centre_smarts``, e.g. Mg/Li/Zn for organometallics) and does not
contain a more reactive site that wins anyway (``unless_centre_smarts``, e.g. an amine being acylated next to an
alcohol). The flag only says a group *may* need protection: selectivity, stoichiometry and conditions decide in the
lab, and a step with no reaction class, or whose centre cannot be recovered, is not judged (``Suggestion.protection``
stays None). Groups and rules, with their sources (textbook knowledge: Greene's Protective Groups in Organic
Synthesis), are described in data/PROVENANCE.md; their recall on USPTO-50k test reactions that carry a protecting
group, and the rate at which ordinary steps are flagged, are measured by benchmarks/synthesis_protection.py
(benchmarks/RESULTS.md).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rdchiral.main import rdchiralReactants, rdchiralReaction, rdchiralRun
from rdkit import Chem

from tools.synthesis.library import DATA_DIR, REACTION_CLASSES, _until, expired
from tools.synthesis.molecules import canonical

LEAVING_MAP_START = 900  # rdchiral numbers precursor atoms that are not in the product from 900 up


@dataclass(frozen=True)
class Group:
    """A protectable functional group; the first atom of ``smarts`` is the one reported (and protected)."""

    name: str
    smarts: str
    usual_protection: str
    source: str

    @property
    def pattern(self) -> Chem.Mol:
        return _pattern(self.smarts)


@dataclass(frozen=True)
class Rule:
    """Under ``reaction_class``, when the centre matches ``centre_smarts`` (any centre if empty) and not
    ``unless_centre_smarts``, the ``groups`` outside the centre may need protection."""

    rule: str
    reaction_class: int
    condition: str
    centre_smarts: str
    groups: tuple[str, ...]
    unless_centre_smarts: str
    reason: str
    source: str


@dataclass(frozen=True)
class ProtectionFlag:
    """One group of one precursor that may need protection: ``atoms`` are RDKit atom indices in ``reactant``
    (parsed from its SMILES as written in the step), the first being the group's key atom."""

    group: str
    reactant: str
    atoms: tuple[int, ...]
    reaction_class: int
    rule: str
    condition: str
    reason: str
    usual_protection: str
    source: str

    @property
    def reaction_class_name(self) -> str:
        return REACTION_CLASSES.get(self.reaction_class, f"class {self.reaction_class}")

    @property
    def text(self) -> str:
        """'may need protection of alcohol OH (atom 3 of OCCN) under acylation and related processes'."""
        atoms = ", ".join(str(a) for a in self.atoms)
        where = f"atom{'s' if len(self.atoms) != 1 else ''} {atoms} of {self.reactant}"
        return f"may need protection of {self.group} ({where}) under {self.reaction_class_name}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "reactant": self.reactant,
            "atoms": list(self.atoms),
            "reaction_class": self.reaction_class,
            "reaction_class_name": self.reaction_class_name,
            "rule": self.rule,
            "condition": self.condition,
            "reason": self.reason,
            "usual_protection": self.usual_protection,
            "source": self.source,
            "text": self.text,
        }


@lru_cache(maxsize=256)
def _pattern(smarts: str) -> Chem.Mol:
    pattern = Chem.MolFromSmarts(smarts)
    if pattern is None:
        raise ValueError(f"Unreadable SMARTS in the protection tables: {smarts}")
    return pattern


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@lru_cache(maxsize=4)
def load_groups(data_dir: Path = DATA_DIR) -> dict[str, Group]:
    groups = {
        row["group"]: Group(row["group"], row["smarts"], row["usual_protection"], row["source"])
        for row in _read(data_dir / "protectable_groups.csv")
    }
    for group in groups.values():
        _pattern(group.smarts)  # fail at load on a broken table, not in the middle of a route
    return groups


@lru_cache(maxsize=4)
def load_rules(data_dir: Path = DATA_DIR) -> tuple[Rule, ...]:
    groups = load_groups(data_dir)
    rules = []
    for row in _read(data_dir / "protection_rules.csv"):
        names = tuple(g for g in row["groups"].split("|") if g)
        if unknown := [g for g in names if g not in groups]:
            raise ValueError(f"Rule {row['rule']} names unknown groups {unknown} (protectable_groups.csv)")
        for smarts in (row["centre_smarts"], row["unless_centre_smarts"]):
            if smarts:
                _pattern(smarts)
        rules.append(
            Rule(
                row["rule"],
                int(row["reaction_class"]),
                row["condition"],
                row["centre_smarts"],
                names,
                row["unless_centre_smarts"],
                row["reason"],
                row["source"],
            )
        )
    return tuple(rules)


def _centre_has(mol: Chem.Mol, centre: set[int], smarts: str) -> bool:
    return any(match[0] in centre for match in mol.GetSubstructMatches(_pattern(smarts)))


def flagged_atoms(
    mol: Chem.Mol, centre: set[int], reaction_class: int | None
) -> list[tuple[str, tuple[int, ...], Rule]]:
    """(group, atom indices in ``mol``, rule) for every protectable group of ``mol`` (all precursors as one
    molecule) that lies wholly outside ``centre`` (atom indices) and that a rule for ``reaction_class`` names.
    One entry per group occurrence: the first rule that flags it."""
    if reaction_class is None:
        return []
    groups = load_groups()
    out: list[tuple[str, tuple[int, ...], Rule]] = []
    seen: set[tuple[str, int]] = set()
    for rule in load_rules():
        if rule.reaction_class != reaction_class:
            continue
        if rule.centre_smarts and not _centre_has(mol, centre, rule.centre_smarts):
            continue
        if rule.unless_centre_smarts and _centre_has(mol, centre, rule.unless_centre_smarts):
            continue
        for name in rule.groups:
            for match in mol.GetSubstructMatches(groups[name].pattern):
                if centre.intersection(match) or (name, match[0]) in seen:
                    continue
                seen.add((name, match[0]))
                out.append((name, tuple(match), rule))
    return out


@dataclass(frozen=True)
class Centre:
    """The precursors as one atom-mapped molecule and the indices of its atoms in the reaction centre."""

    mol: Chem.Mol
    atoms: frozenset[int]


@lru_cache(maxsize=4096)
def _reaction(template: str) -> rdchiralReaction | None:
    try:
        return rdchiralReaction(template)
    except Exception:  # a handful of extracted templates do not compile (as in TemplateLibrary.compiled)
        return None


def reaction_centre(
    template: str, product: str, reactants: Iterable[str], deadline: float | None = None
) -> Centre | None:
    """The reaction centre of ``product`` made from ``reactants`` by retro ``template``: None when rdchiral does not
    give back these precursors, or not before ``deadline`` (a ``time.monotonic()`` value; re-applying a template to a
    large oligomer with dozens of matching sites takes tens of seconds), and the step is then not judged."""
    rxn = _reaction(template)
    wanted = canonical(".".join(reactants))
    if rxn is None or wanted is None or expired(deadline):
        return None
    if deadline is not None:
        rxn = _until(rxn, deadline)
    try:
        _, mapped = rdchiralRun(rxn, rdchiralReactants(product), combine_enantiomers=False, return_mapped=True)
    except Exception:  # rdchiral raises on odd valences / kekulisation; then the centre is simply unknown
        return None
    for smiles, (mapped_smiles, changed) in mapped.items():
        if canonical(smiles) != wanted:
            continue
        mol = Chem.MolFromSmiles(mapped_smiles)
        if mol is None:
            return None
        changed_maps = set(changed)
        atoms = frozenset(
            a.GetIdx()
            for a in mol.GetAtoms()
            if a.GetAtomMapNum() in changed_maps or a.GetAtomMapNum() >= LEAVING_MAP_START or not a.GetAtomMapNum()
        )
        return Centre(mol, atoms)
    return None


def _to_reactant_atoms(
    mol: Chem.Mol, atoms: tuple[int, ...], reactants: tuple[str, ...]
) -> tuple[str, tuple[int, ...]]:
    """The precursor (as written in the step) holding ``atoms`` of the combined mapped molecule, and the atoms'
    indices in that precursor's own RDKit molecule."""
    mapping: list[tuple[int, ...]] = []
    frags = Chem.GetMolFrags(mol, asMols=True, fragsMolAtomMapping=mapping)
    for frag, original in zip(frags, mapping, strict=True):
        if atoms[0] not in original:
            continue
        for a in frag.GetAtoms():
            a.SetAtomMapNum(0)
        key = Chem.MolToSmiles(frag)
        for reactant in reactants:
            target = Chem.MolFromSmiles(reactant)
            if target is None or canonical(reactant) != key:
                continue
            match = target.GetSubstructMatch(frag)
            if match:
                return reactant, tuple(match[original.index(a)] for a in atoms)
    return "", atoms


def protection_flags(
    template: str,
    product: str,
    reactants: tuple[str, ...],
    reaction_class: int | None,
    deadline: float | None = None,
) -> tuple[ProtectionFlag, ...] | None:
    """The groups of ``reactants`` that may need protection in this step; None when the step cannot be judged (no
    reaction class, no template, or a centre rdchiral does not give back before ``deadline``)."""
    if reaction_class is None or not template:
        return None
    centre = reaction_centre(template, product, reactants, deadline)
    if centre is None:
        return None
    groups = load_groups()
    flags = []
    for name, atoms, rule in flagged_atoms(centre.mol, set(centre.atoms), reaction_class):
        reactant, local = _to_reactant_atoms(centre.mol, atoms, reactants)
        flags.append(
            ProtectionFlag(
                group=name,
                reactant=reactant,
                atoms=local,
                reaction_class=reaction_class,
                rule=rule.rule,
                condition=rule.condition,
                reason=rule.reason,
                usual_protection=groups[name].usual_protection,
                source=rule.source,
            )
        )
    return tuple(flags)
