"""The Streamlit layer: cached wrappers, widgets and charts (the only Streamlit in c360)."""
