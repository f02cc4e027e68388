"""Pure domain logic: interactions, rubrics, scoring, progress.

Nothing in this package imports streamlit, sqlalchemy, torch or whisper; model
adapters are handed in through the protocols in :mod:`qa_coach.domain.signals`.
"""
