"""The Streamlit app: the only package that imports streamlit. Pages render and call services."""
