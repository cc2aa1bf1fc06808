"""Document keys (who may see a document is part of its key) and passage versions, without a store."""

from __future__ import annotations

import pytest

from tools.literature.keys import chunk_version, document_key, own_id, versioned_chunk_id

VERSION = "0123456789abcdef"


def test_a_private_document_is_keyed_by_its_owner_and_a_lab_document_by_its_id() -> None:
    keys = {
        document_key("doi:10.1/x", "private", "alice"),
        document_key("doi:10.1/x", "private", "bob"),
        document_key("doi:10.1/x", "lab", "alice"),
    }

    assert keys == {"private/alice/doi:10.1/x", "private/bob/doi:10.1/x", "doi:10.1/x"}
    assert {own_id(k) for k in keys} == {"doi:10.1/x"}


def test_an_id_cannot_pose_as_someone_elses_private_key() -> None:
    with pytest.raises(ValueError, match="may not start with 'private/'"):
        document_key("private/alice/doi:10.1/x", "lab", "mallory")
    with pytest.raises(ValueError, match="needs an owner"):
        document_key("doi:10.1/x", "private", "")


def test_passage_ids_carry_the_version_of_their_document() -> None:
    key = "private/alice/doi:10.1/x"
    passage = versioned_chunk_id(key, VERSION, f"{key}#p2:10-90")
    rekeyed = versioned_chunk_id(key, "fedcba9876543210", passage)

    assert passage == f"{key}#{VERSION}#p2:10-90"
    assert (chunk_version(passage, key), chunk_version(rekeyed, key)) == (VERSION, "fedcba9876543210")
    assert chunk_version(f"{key}#p2:10-90", key) == ""  # stored before versions existed
