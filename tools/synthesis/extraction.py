"""Template extraction: rdchiral retro templates from atom-mapped reactions, counted, with class and precedents.

``build_template_library`` reproduces the layout of the shipped templates.csv (template_id, retro_template,
train_count) plus the reaction class (commonest among its reactions) and the ids of the precedent reactions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd
from rdchiral.template_extractor import extract_from_reaction
from rdkit.Chem import AllChem


@dataclass(frozen=True)
class MappedReaction:
    id: str
    smiles: str  # atom-mapped "reactants>>product" (or reactants>reagents>product)
    reaction_class: int | None = None


def extract_template(mapped_reaction: str, reaction_id: str = "") -> str | None:
    """The rdchiral retro template (product>>reactants) of one atom-mapped reaction, or None if none can be made."""
    parts = mapped_reaction.split(">")
    if len(parts) != 3:
        return None
    reactants, _, products = parts
    try:
        result = extract_from_reaction({"reactants": reactants, "products": products, "_id": reaction_id})
    except Exception:  # rdchiral raises on a few malformed mappings; such a reaction yields no template
        return None
    template = result.get("reaction_smarts") if isinstance(result, dict) else None
    if not template:
        return None
    # Round-trip through RDKit so the SMARTS reads like templates.csv ("[O&H1&D1&+0:1]", no grouping brackets);
    # atom order can still differ from the shipped file, so compare templates by what they do, not as strings.
    try:
        return AllChem.ReactionToSmarts(AllChem.ReactionFromSmarts(template))  # type: ignore[attr-defined]
    except ValueError:
        return template


def build_template_library(
    reactions: Iterable[MappedReaction], progress: Callable[[int], None] | None = None
) -> pd.DataFrame:
    """One row per distinct template: template_id (by descending count), retro_template, train_count,
    reaction_class (commonest; empty if none known), precedents (';'-joined reaction ids)."""
    precedents: dict[str, list[str]] = defaultdict(list)
    classes: dict[str, Counter] = defaultdict(Counter)
    for n, reaction in enumerate(reactions, 1):
        template = extract_template(reaction.smiles, reaction.id)
        if template is not None:
            precedents[template].append(reaction.id)
            if reaction.reaction_class:
                classes[template][reaction.reaction_class] += 1
        if progress and n % 100 == 0:
            progress(n)
    ordered = sorted(precedents, key=lambda t: (-len(precedents[t]), t))
    return pd.DataFrame(
        {
            "template_id": range(len(ordered)),
            "retro_template": ordered,
            "train_count": [len(precedents[t]) for t in ordered],
            "reaction_class": [classes[t].most_common(1)[0][0] if classes[t] else "" for t in ordered],
            "precedents": [";".join(precedents[t]) for t in ordered],
        }
    )
