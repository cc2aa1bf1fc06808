"""Streamlit entry point: `streamlit run app/streamlit_app.py` (what `chemassist web` runs)."""

from app.ui.shell import run

run()
