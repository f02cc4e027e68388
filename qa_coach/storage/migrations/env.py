"""Alembic environment: the connection comes from qa_coach.storage.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from qa_coach.storage.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from qa_coach.storage.config import default_database_url

        engine = create_engine(default_database_url())
        with engine.begin() as conn:
            _configure(conn)
            with context.begin_transaction():
                context.run_migrations()
        return
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("qa_coach migrations run online only: use `qa-coach db upgrade`")
run_migrations_online()
