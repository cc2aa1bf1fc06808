"""The hostile colleague in the literature library: an upload never replaces, takes over or reveals a document its
uploader may not read. A document is stored under (visibility, owner, id): private copies of one paper live side
by side, a lab paper is replaced only by its uploader or an admin, and 'duplicate' is only ever said of documents
the uploader can read. Real SQLite accounts, real Milvus Lite, the real embedder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.db.models import Role
from app.errors import ValidationFailed
from app.services import accounts
from app.services import library as service
from app.services.identity import Account
from app.settings import get_settings
from tools.literature import LiteratureStore, chunk_document, default_embedder, read_path

PASSWORD = "correct horse battery"


def paper(doi: str, finding: str) -> bytes:
    return f"# Catalyst screening\n\nDOI {doi}\n\n{finding}\n".encode()


ORIGINAL = paper("10.1000/cat.42", "Vanadium phosphate on silica gave 94% selectivity to maleic anhydride.")
CHANGED = paper("10.1000/cat.42", "Vanadium phosphate on silica gave 12% selectivity: the catalyst had died.")


@pytest.fixture
def lab(sqlite_db: str, tmp_path: Path) -> Iterator[dict[str, Account]]:
    people = {
        "root": accounts.create_user("root", PASSWORD, role=Role.admin),
        "alice": accounts.create_user("alice", PASSWORD),
        "bob": accounts.create_user("bob", PASSWORD),
    }
    yield people
    service.close_stores()


def upload(account: Account, data: bytes, private: bool = False, name: str = "paper.md") -> service.FileOutcome:
    job = service.start_upload(account, [(name, data)], private=private)
    job.wait(timeout=120)
    assert job.error is None and len(job.files) == 1
    return job.files[0]


def versions(account: Account) -> list[tuple[str, str]]:
    """(visibility, selectivity it reports) of each copy of the catalyst paper this account sees."""
    seen = []
    for doc in service.list_documents_for(account):
        if doc.doi == "10.1000/cat.42":
            text = " ".join(p.content for p in service.passages_for(account, doc.document_id))
            seen.append((doc.visibility, "94%" if "94%" in text else "12%" if "12%" in text else "?"))
    return sorted(seen)


def test_two_private_copies_of_one_paper_live_side_by_side(lab) -> None:
    alice, bob = lab["alice"], lab["bob"]

    mine = upload(alice, ORIGINAL, private=True)
    theirs = upload(bob, CHANGED, private=True)

    assert (mine.status, theirs.status) == ("added", "added")
    assert (versions(alice), versions(bob)) == ([("private", "94%")], [("private", "12%")])


def test_a_private_copy_of_a_lab_paper_leaves_the_lab_copy_alone(lab) -> None:
    alice, bob = lab["alice"], lab["bob"]
    upload(lab["root"], ORIGINAL)

    outcome = upload(alice, CHANGED, private=True)

    assert outcome.status == "added"
    assert versions(bob) == [("lab", "94%")]
    assert versions(alice) == [("lab", "94%"), ("private", "12%")]


def test_only_its_uploader_or_an_admin_replaces_a_lab_paper(lab) -> None:
    alice, bob, root = lab["alice"], lab["bob"], lab["root"]
    upload(alice, ORIGINAL)

    refused = upload(bob, CHANGED)
    after_refusal = (versions(alice), versions(bob))
    by_uploader = upload(alice, CHANGED)
    after_uploader = versions(bob)
    by_admin = upload(root, ORIGINAL)

    assert refused.status == "failed"
    assert "only alice or an administrator may replace it. Nothing was changed" in refused.message
    assert after_refusal == ([("lab", "94%")], [("lab", "94%")])
    assert (by_uploader.status, after_uploader) == ("updated", [("lab", "12%")])
    assert (by_admin.status, versions(alice)) == ("updated", [("lab", "94%")])


def test_uploading_a_colleagues_private_text_reveals_nothing(lab) -> None:
    alice, bob = lab["alice"], lab["bob"]
    secret = b"# Unpublished\n\nOur secret catalyst is cobalt molybdate on alumina at 340 degrees Celsius.\n"
    theirs = upload(alice, secret, private=True, name="secret.md")

    as_private = upload(bob, secret, private=True, name="guess.md")
    as_lab = upload(bob, secret, name="guess.md")

    assert (as_private.status, as_lab.status) == ("added", "added")  # never "duplicate" of alice's copy
    told = json.dumps([o.__dict__ for o in (as_private, as_lab)])
    assert theirs.document_ids[0] not in told and "alice" not in told
    assert [d.owner for d in service.list_documents_for(alice) if d.visibility == "private"] == ["alice"]


def write_as_the_previous_version(store: LiteratureStore, path: Path, owner: str) -> str:
    """Store a private document as chemassist stored it before keys carried their owner: under its own id."""
    doc = read_path(path)[0]
    doc.meta.visibility, doc.meta.owner = "private", owner
    chunks = chunk_document(doc)
    vectors = default_embedder().encode([c.text for c in chunks])
    store.client.insert(
        store.chunks_name, [store._chunk_row(doc.meta, c, v) for c, v in zip(chunks, vectors, strict=True)]
    )
    store.client.insert(store.documents_name, [store._document_row(doc.meta, vectors[0], len(chunks))])
    return doc.meta.document_id


def test_private_documents_of_an_older_library_stay_private_and_cannot_be_taken_over(lab, tmp_path: Path) -> None:
    alice, bob = lab["alice"], lab["bob"]
    (tmp_path / "old.md").write_bytes(ORIGINAL)
    with LiteratureStore(get_settings().resolved_milvus_uri) as store:
        old_id = write_as_the_previous_version(store, tmp_path / "old.md", "alice")

    outcome = upload(bob, CHANGED)  # a lab upload with alice's DOI: it used to replace her private copy

    assert old_id == "doi:10.1000/cat.42" and outcome.status == "added"
    assert versions(alice) == [("lab", "12%"), ("private", "94%")]
    assert [d.document_id for d in service.list_documents_for(alice) if d.visibility == "private"] == [
        "private/alice/doi:10.1000/cat.42"
    ]


def test_ask_refuses_an_absurd_number_of_passages(lab) -> None:
    with pytest.raises(ValidationFailed, match="between 1 and 50"):
        service.ask_for(lab["alice"], "What selectivity did vanadium phosphate give?", k=100_000)


def test_a_record_id_cannot_pose_as_a_colleagues_private_key(lab) -> None:
    alice, bob = lab["alice"], lab["bob"]
    upload(alice, ORIGINAL, private=True)
    record = {"id": "private/alice/doi:10.1000/cat.42", "title": "Catalyst screening", "abstract": "Nothing works."}

    outcome = upload(bob, json.dumps(record).encode(), name="records.jsonl")

    assert outcome.status == "failed" and "may not start with 'private/'" in outcome.message
    assert versions(alice) == [("private", "94%")]
