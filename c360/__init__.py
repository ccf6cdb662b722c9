"""Customer 360: the shared data and domain package (no Streamlit outside c360.ui)."""
