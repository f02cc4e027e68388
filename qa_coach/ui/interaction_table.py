"""A table of interactions in which choosing a row opens that interaction."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from qa_coach.ui.components import open_interaction


def interaction_table(frame: pd.DataFrame, interaction_ids: list[int], key: str) -> None:
    """``frame``'s rows are the interactions ``interaction_ids``, in that order."""
    event = st.dataframe(frame, hide_index=True, key=key, on_select="rerun", selection_mode="single-row")
    st.caption("Select a row to open the interaction.")
    rows = event.selection.rows if event is not None else []
    if rows and rows[0] < len(interaction_ids):
        open_interaction(interaction_ids[rows[0]])
