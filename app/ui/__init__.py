"""Streamlit widgets and page helpers shared by the pages in pages/."""
