"""Use cases: the one way in for the pages (qa_coach.ui) and the commands (qa_coach.cli).
Each takes a session factory and the acting user's id, owns its transaction, checks
permissions, and returns frozen values (never ORM rows).

Modules: directory (teams, reps, users; finding a representative), auth, rubrics (stored
versions; checking a rubric file and its examples), ingest (independent per-file jobs),
scoring (rescore), reviews, disputes, calibration, coaching, queries, dashboard, analytics
(progress, agreement, KPIs, review sampling), sentiment (a stored call's customer mood),
practice (scored, not stored), export (CSV/JSON), coaching_report (HTML), demo_data.
Without a user or a database: database (open, create, upgrade; the first start),
file_scoring (``qa-coach score``), transcription (``qa-coach transcribe``), text_models.

Nothing is imported here, so importing one service loads only what it needs.
"""
