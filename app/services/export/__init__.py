"""Export a research session as Markdown, PDF or JSON, and import a JSON export as a new session.

One job per module: `session_file` loads a session with the actor's rights and writes, checks and imports the
signed JSON file; `blocks` turns a session into document blocks; `markdown` and `pdf` render those blocks, so
both say the same thing.
"""

from app.services.export.blocks import (
    Bibliography,
    Block,
    Cover,
    Heading,
    Items,
    Markdown,
    Para,
    Structure,
    Table,
    blocks,
    location,
)
from app.services.export.markdown import render_markdown, to_markdown
from app.services.export.pdf import FONT_DIR, MAX_CELL, parse_markdown, render_pdf, to_pdf
from app.services.export.session_file import (
    FORMAT,
    MAX_DEPTH,
    MAX_IMPORT_BYTES,
    MESSAGE_ROLES,
    VERSION,
    ImportResult,
    SessionExport,
    canonical_json,
    checksum,
    filename,
    import_session,
    load,
    read_document,
    seal,
    to_document,
    to_json,
)

__all__ = [
    "FONT_DIR",
    "FORMAT",
    "MAX_CELL",
    "MAX_DEPTH",
    "MAX_IMPORT_BYTES",
    "MESSAGE_ROLES",
    "VERSION",
    "Bibliography",
    "Block",
    "Cover",
    "Heading",
    "ImportResult",
    "Items",
    "Markdown",
    "Para",
    "SessionExport",
    "Structure",
    "Table",
    "blocks",
    "canonical_json",
    "checksum",
    "filename",
    "import_session",
    "load",
    "location",
    "parse_markdown",
    "read_document",
    "render_markdown",
    "render_pdf",
    "seal",
    "to_document",
    "to_json",
    "to_markdown",
    "to_pdf",
]
