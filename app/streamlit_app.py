"""Streamlit entry point: `streamlit run app/streamlit_app.py` (what `chemassist web` runs)."""

from app.services.bootstrap import private_files
from app.ui.shell import run

private_files()  # the database, library and logs this process writes are readable by the app's user only
run()
