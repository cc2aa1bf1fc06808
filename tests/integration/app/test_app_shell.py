"""The Streamlit shell, run headless with Streamlit's AppTest: database problems and the sign-in gate."""

from streamlit.testing.v1 import AppTest

from app.db import migrate
from app.services import accounts
from app.settings import PROJECT_ROOT

ENTRY = str(PROJECT_ROOT / "app" / "streamlit_app.py")


def test_an_unmigrated_database_shows_the_fix_instead_of_a_traceback(data_dir):
    at = AppTest.from_file(ENTRY, default_timeout=30).run()
    assert not at.exception
    assert any("chemassist db upgrade" in e.value for e in at.error)


def test_an_older_schema_shows_the_fix(data_dir):
    migrate.upgrade()
    migrate.downgrade(revision="base")
    at = AppTest.from_file(ENTRY, default_timeout=30).run()
    assert any("chemassist db upgrade" in e.value for e in at.error)


def test_sign_in_gate(sqlite_db):
    accounts.create_user("bob", "correct horse battery")
    at = AppTest.from_file(ENTRY, default_timeout=30).run()
    assert at.title[0].value == "chemassist" and len(at.text_input) == 2
    at.text_input[0].input("bob")
    at.text_input[1].input("wrong password!")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Wrong username or password."]
    at.text_input[1].input("correct horse battery")
    at.button[0].click().run()
    assert not at.exception
    assert "Research sessions" in [t.value for t in at.title]
