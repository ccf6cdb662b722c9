"""The Streamlit layer: cached wrappers, reusable widgets and charts (the only Streamlit in c360)."""
