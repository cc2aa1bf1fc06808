"""The Library page, run headless with Streamlit's AppTest over a real library: a chemist sees the lab's papers
and their own private ones, never a colleague's, and can search and ask (through the guarded service)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.services import accounts
from app.services import library as service
from tests.helpers.pages import open_page

PASSWORD = "correct horse battery"


@pytest.fixture
def people(sqlite_db: str, corpus: Path, embedder, tmp_path: Path) -> Iterator[dict]:
    alice, bob = accounts.create_user("alice", PASSWORD), accounts.create_user("bob", PASSWORD)
    (tmp_path / "mine.md").write_text("# Alice's unpublished note\n\nCobalt molybdate on alumina, 340 degrees Celsius.")
    (tmp_path / "theirs.md").write_text("# Bob's unpublished note\n\nNickel tungstate on titania, 280 degrees Celsius.")
    service.ingest_files([corpus / "gold.md"])
    service.ingest_files([tmp_path / "mine.md"], owner="alice", private=True)
    service.ingest_files([tmp_path / "theirs.md"], owner="bob", private=True)
    yield {"alice": alice, "bob": bob}
    service.close_stores()


def test_a_chemist_sees_lab_papers_and_only_their_own_private_ones(people) -> None:
    at = open_page("library", people["alice"], timeout_s=120)

    shown = set(at.dataframe[0].value["title"])

    assert not at.exception
    assert shown == {"Citrate synthesis of gold nanoparticles", "Alice's unpublished note"}
    assert [m.value for m in at.metric][:3] == ["2", "3", "1"]  # documents, passages, private to you
