"""How documents and passages are keyed in the store.

A document's own id comes from its DOI, arXiv id or text ('doi:10.1/x'). The key it is stored under adds
who may see it: a lab document is stored under its own id, a private one under 'private/<owner>/<id>'. So a
private upload can only ever meet the uploader's own private copy, never a colleague's or the lab's, and
two users' private copies of one paper (and a private copy of a lab paper) live side by side.

A passage's key names the document and the version of the document it belongs to:
'<document key>#<version>#p<page>:<start>-<end>', the version being the first 16 hex digits of the document's
content hash. A replacement writes the new version's passages under new keys before it switches the
document row over, so a crash half-way never leaves a document without a complete version (see store.py).
Passages written before versions existed ('<key>#p1:0-100') belong to whatever version their row has.
"""

from __future__ import annotations

import re

PRIVATE_PREFIX = "private/"
VERSION_CHARS = 16
_VERSION_RE = re.compile(rf"#([0-9a-f]{{{VERSION_CHARS}}})#")


def document_key(document_id: str, visibility: str, owner: str) -> str:
    """The id a document is stored under: its own id for a lab document, 'private/<owner>/<id>' for a
    private one. Raises ValueError for a private document without an owner or with an id that is a key."""
    if document_id.startswith(PRIVATE_PREFIX):
        raise ValueError(f"A document id may not start with '{PRIVATE_PREFIX}' ({document_id!r}).")
    if visibility != "private":
        return document_id
    if not owner or "/" in owner:
        raise ValueError("A private document needs an owner (a user name without '/').")
    return f"{PRIVATE_PREFIX}{owner}/{document_id}"


def own_id(key: str) -> str:
    """The document's own id ('doi:10.1/x') from its stored key."""
    if key.startswith(PRIVATE_PREFIX):
        return key[len(PRIVATE_PREFIX) :].partition("/")[2] or key
    return key


def version_of(content_hash: str) -> str:
    return content_hash[:VERSION_CHARS]


def versioned_chunk_id(document_key: str, version: str, chunk_id: str) -> str:
    """The passage's stored id: '<key>#<version>#p1:0-100' (from chunking's '<key>#p1:0-100')."""
    if chunk_version(chunk_id, document_key):  # already versioned: re-key to this version
        suffix = chunk_id[len(document_key) + VERSION_CHARS + 2 :]
    elif chunk_id.startswith(document_key + "#"):
        suffix = chunk_id[len(document_key) + 1 :]
    else:
        suffix = chunk_id
    return f"{document_key}#{version}#{suffix}"


def chunk_version(chunk_id: str, document_key: str) -> str:
    """The version a stored passage belongs to ('' for passages stored before versions)."""
    if not chunk_id.startswith(document_key + "#"):
        return ""
    m = _VERSION_RE.match(chunk_id, len(document_key))
    return m.group(1) if m else ""
