"""Persistence: ORM models, the database object, repositories and migrations.

Nothing connects at import: :class:`Database` creates its engine on first use.
The database is ``$QA_COACH_DATABASE_URL`` (e.g. ``postgresql+psycopg://user@host/db``),
else a SQLite file in the user's data folder (``$QA_COACH_DATA_DIR`` overrides the folder).
Migrations live in ``migrations/`` and run with ``qa-coach db upgrade`` (no alembic.ini).
"""

from __future__ import annotations

from .config import default_database_url
from .database import Database, SchemaOutOfDateError

__all__ = ["Database", "SchemaOutOfDateError", "default_database_url"]
