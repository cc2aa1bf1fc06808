"""How well the protecting-group flag (tools/synthesis/protection.py) matches what chemists did in USPTO-50k.

    nice -n 10 .venv/bin/python benchmarks/synthesis_protection.py --split valid   # while choosing rules
    nice -n 10 .venv/bin/python benchmarks/synthesis_protection.py --split test    # the reported figures

Every reaction whose template is in the library is judged as a route step would be: rdchiral re-applies the
template to the product to recover the reaction centre, and the step's class is the template's (recorded or
predicted), as on the Synthesis page.

* Recall proxy: reactions (not themselves protections or deprotections) whose precursors carry a protecting group
  outside the reaction centre (Boc, Cbz, Fmoc, silyl ethers, THP, MOM, PMB, trityl, tosyl/SEM on azole N, tert-butyl
  esters, 1,3-dioxolane and dimethyl acetals). The protecting group is removed in silico (the free NH, OH, COOH or
  C=O put back) and the flag is asked about the unprotected step: a hit when it flags the freed atom. A chemist
  also carries protecting groups through steps that would tolerate the free group, so 100% is not the ceiling.
* Flag rate: share of the reactions as recorded (they worked, with the groups they had) that get any flag: an upper
  bound on needless warnings, since some recorded reactions do succeed only by selectivity the flag cannot see.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

import pandas as pd
from rdkit import Chem
from synthesis_common import MACHINE, RESULTS, wilson

SPLITS = Path("/work/shared/data/uspto50k")

# name, SMARTS (atom 0 is the atom that gets its free group back, atom 1 the first protecting-group atom), kind:
# "cap" drops everything on atom 1's side of the 0-1 bond; "acetal" keeps atoms 0-1 as C=O and drops the rest.
PROTECTING_GROUPS = (
    ("Boc", "[#7]C(=O)OC([CH3])([CH3])[CH3]", "cap"),
    ("Cbz", "[#7]C(=O)O[CH2]c1ccccc1", "cap"),
    ("Fmoc", "[#7]C(=O)O[CH2]C1c2ccccc2-c2ccccc12", "cap"),
    ("silyl ether", "[OX2][Si]([#6])([#6])[#6]", "cap"),
    ("THP ether", "[OX2;!$(OC=O)][CH1;R]1[OX2;R][CH2][CH2][CH2][CH2]1", "cap"),
    ("MOM ether", "[OX2;!$(OC=O);!$(O[CH2]O[CH3]);$(O[#6])][CH2][OX2][CH3]", "cap"),
    ("PMB ether", "[OX2;!$(OC=O)][CH2]c1ccc(O[CH3])cc1", "cap"),
    ("trityl", "[#7,#8,#16]C(c1ccccc1)(c1ccccc1)c1ccccc1", "cap"),
    ("tosyl on azole N", "[n]S(=O)(=O)c1ccc([CH3])cc1", "cap"),
    ("SEM", "[n,O][CH2]O[CH2][CH2][Si]([CH3])([CH3])[CH3]", "cap"),
    ("tert-butyl ester", "[OX2;$(OC(=O)[#6])]C([CH3])([CH3])[CH3]", "cap"),
    ("1,3-dioxolane", "[CX4;$(C([#6])([#6,#1]))]1(O[CH2][CH2]O1)", "acetal"),
    ("dimethyl acetal", "[CX4;!R;$(C([#6])[#1,#6])]([OX2][CH3])[OX2][CH3]", "acetal"),
)
_PATTERNS = [(name, Chem.MolFromSmarts(s), kind) for name, s, kind in PROTECTING_GROUPS]


def _side(mol: Chem.Mol, keep: int, start: int) -> set[int]:
    """Atoms reachable from ``start`` without passing ``keep`` (the protecting group hanging on ``keep``)."""
    seen, todo = {start}, [start]
    while todo:
        for n in mol.GetAtomWithIdx(todo.pop()).GetNeighbors():
            i = n.GetIdx()
            if i != keep and i not in seen:
                seen.add(i)
                todo.append(i)
    return seen


def deprotected(mol: Chem.Mol, centre: frozenset[int]) -> list[tuple[str, Chem.Mol, set[int], int]]:
    """(protecting group, the precursors with that one group removed, the centre there, the freed atom) for every
    protecting group wholly outside ``centre``."""
    out = []
    for name, pattern, kind in _PATTERNS:
        for match in mol.GetSubstructMatches(pattern):
            key = match[0]
            if kind == "cap":
                drop = _side(mol, key, match[1])
                if key in drop:  # the group is part of a ring with the rest: not a protecting group
                    continue
            else:
                drop = set(match[2:])
            if centre & (drop | {key}):
                continue
            rw = Chem.RWMol(mol)
            for a in rw.GetAtoms():
                a.SetIntProp("orig", a.GetIdx())
            if kind == "acetal":
                rw.GetBondBetweenAtoms(key, match[1]).SetBondType(Chem.BondType.DOUBLE)
            else:
                atom = rw.GetAtomWithIdx(key)
                if atom.GetIsAromatic():
                    atom.SetNumExplicitHs(atom.GetNumExplicitHs() + 1)
                atom.SetNoImplicit(False)
            for i in sorted(drop, reverse=True):
                rw.RemoveAtom(i)
            try:
                Chem.SanitizeMol(rw)
            except Exception:
                continue
            new = {a.GetIntProp("orig"): a.GetIdx() for a in rw.GetAtoms()}
            out.append((name, rw.GetMol(), {new[i] for i in centre if i in new}, new[key]))
    return out


def class_blind(mol: Chem.Mol, centre: set[int]) -> set[int]:
    """The baseline: key atoms of every protectable group outside the centre, whatever the reaction."""
    from tools.synthesis.protection import load_groups

    return {
        m[0] for g in load_groups().values() for m in mol.GetSubstructMatches(g.pattern) if not centre.intersection(m)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("valid", "test"), default="test")
    parser.add_argument("--n", type=int, default=0, help="reactions to judge (0: all with a library template)")
    args = parser.parse_args()

    from tools.synthesis.library import TemplateLibrary
    from tools.synthesis.protection import flagged_atoms, reaction_centre

    library = TemplateLibrary.load()
    data = pd.read_csv(SPLITS / f"{args.split}.csv", keep_default_na=False)
    data = data[data.template_id.astype(int) >= 0]
    if args.n:
        data = data.head(args.n)
    start = time.monotonic()
    judged = flagged = no_centre = no_class = 0
    flagged_by_class: Counter[str] = Counter()
    judged_by_class: Counter[str] = Counter()
    groups_flagged: Counter[str] = Counter()
    pg_cases: Counter[str] = Counter()
    pg_hits: Counter[str] = Counter()
    pg_no_class = 0
    blind_flagged = blind_hits = 0
    examples: list[dict[str, str]] = []
    for row in data.itertuples(index=False):
        template = library.template(int(row.template_id))
        reaction_class, _ = template.best_class
        centre = reaction_centre(template.smarts, str(row.product), tuple(str(row.reactants).split(".")))
        if centre is None:
            no_centre += 1
            continue
        if reaction_class is None:
            no_class += 1
        cls_name = str(reaction_class or "none")
        judged += 1
        judged_by_class[cls_name] += 1
        flags = flagged_atoms(centre.mol, set(centre.atoms), reaction_class)
        blind_flagged += bool(class_blind(centre.mol, set(centre.atoms)))
        if flags:
            flagged += 1
            flagged_by_class[cls_name] += 1
            groups_flagged.update({g for g, _, _ in flags})
        if reaction_class in (5, 6):
            continue  # installing or removing a protecting group is not a step that carries one
        seen_here: set[str] = set()
        for name, mol, centre_there, freed in deprotected(centre.mol, centre.atoms):
            if name in seen_here:
                continue  # one case per protecting-group kind per reaction
            seen_here.add(name)
            pg_cases[name] += 1
            blind_hits += freed in class_blind(mol, centre_there)
            if reaction_class is None:
                pg_no_class += 1
                continue
            hits = [f for f in flagged_atoms(mol, centre_there, reaction_class) if f[1][0] == freed]
            if hits:
                pg_hits[name] += 1
            elif len(examples) < 12:
                examples.append(
                    {
                        "id": str(row.id),
                        "class": cls_name,
                        "protecting group": name,
                        "rxn": f"{row.reactants}>>{row.product}",
                    }
                )
    elapsed = time.monotonic() - start
    cases, hits = sum(pg_cases.values()), sum(pg_hits.values())
    with_class = cases - pg_no_class
    result = {
        "split": args.split,
        "date": "2026-12-05",
        "machine": MACHINE,
        "reactions_with_library_template": len(data),
        "judged": judged,
        "centre_not_recovered": no_centre,
        "judged_without_class": no_class,
        "flag_rate": wilson(flagged, judged),
        "flag_rate_by_class": {k: [flagged_by_class[k], judged_by_class[k]] for k in sorted(judged_by_class)},
        "groups_flagged": dict(groups_flagged.most_common()),
        "protected_cases": cases,
        "protected_cases_without_class": pg_no_class,
        "recall_proxy_all": wilson(hits, cases) if cases else None,
        "recall_proxy_with_class": wilson(hits, with_class) if with_class else None,
        "baseline_class_blind_flag_rate": wilson(blind_flagged, judged),
        "baseline_class_blind_recall_proxy": wilson(blind_hits, cases) if cases else None,
        "recall_by_group": {k: [pg_hits[k], pg_cases[k]] for k in sorted(pg_cases)},
        "missed_examples": examples,
        "elapsed_s": round(elapsed, 1),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"synthesis_protection_{args.split}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k != "missed_examples"}, indent=2))


if __name__ == "__main__":
    main()
