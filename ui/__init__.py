"""The Streamlit app: one small module per page plus shared helpers (see app.py)."""
