"""An imported session's title says it is a copy, so two sessions never share one title by import."""

from datetime import UTC, datetime

from app.services import sessions

DAY = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)


def test_an_imported_title_carries_the_import_date():
    assert sessions.imported_title("Polyimide Tg screen", DAY) == "Polyimide Tg screen (imported 2026-12-04)"


def test_a_long_title_is_shortened_to_fit_with_its_suffix():
    title = sessions.imported_title("x" * sessions.MAX_TITLE, DAY)
    assert len(title) == sessions.MAX_TITLE and title.endswith("… (imported 2026-12-04)")


def test_an_empty_title_still_gives_a_valid_one():
    assert sessions.imported_title("  ", DAY) == "Session (imported 2026-12-04)"
