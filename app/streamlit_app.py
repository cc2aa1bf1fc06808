"""Streamlit entry point: `streamlit run app/streamlit_app.py` (what `chemassist web` runs)."""

# The structure editor's component is declared when streamlit_ketcher is first imported; declared from inside a
# page that two sessions open at once it can fail ("module is None"). Declared here, before any page runs.
import app.ui.editor  # noqa: F401
from app.services.bootstrap import private_files
from app.ui.shell import run

private_files()  # the database, library and logs this process writes are readable by the app's user only
run()
