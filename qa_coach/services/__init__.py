"""Use cases. Each takes a session factory and the acting user's id, owns its transaction,
checks permissions, and returns frozen values (never ORM rows).

Modules: directory (teams, reps, users), rubrics, ingest (independent per-file jobs),
scoring (rescore), reviews, disputes, calibration, coaching, queries, analytics (progress,
agreement, KPIs, review sampling), export (CSV/JSON), coaching_report (HTML), demo_data.
"""
