"""chemassist application layer: settings, database, services, CLI and the Streamlit shell."""
