"""Workshop packs (versioned YAML: sections, example prompts, exercises) and their automatic checks.

`pack` loads and validates pack files with messages that name the section, exercise and field at fault;
`checks` grades an exercise from what the participant's research session holds, recomputing with the real
chemistry tools (RDKit descriptors, the property models, the safety screen) rather than stored answers.
"""

from app.workshops.pack import (
    BUILTIN_DIR,
    CHECK_KINDS,
    Exercise,
    Pack,
    PackError,
    Section,
    builtin_packs,
    find_pack,
    load_pack,
    parse_pack,
)

__all__ = [
    "BUILTIN_DIR",
    "CHECK_KINDS",
    "Exercise",
    "Pack",
    "PackError",
    "Section",
    "builtin_packs",
    "find_pack",
    "load_pack",
    "parse_pack",
]
