"""The ``qa-coach`` command line: thin commands that build library objects and call them."""

from __future__ import annotations

import sys

import click

from qa_coach.domain.errors import QACoachError
from qa_coach.settings import set_thread_wait_policy


class _FriendlyGroup(click.Group):
    """Turns every QACoachError into a one-line message and exit code 2 (no traceback)."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except QACoachError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=_FriendlyGroup)
@click.version_option(package_name="qa-coach")
def main() -> None:
    """qa-coach: score customer-service calls and chats against a rubric, with evidence."""
    set_thread_wait_policy()  # before any command imports torch


def _register() -> None:
    # Each command lives in its own module; importing registers it on ``main``.
    from qa_coach.cli import commands  # noqa: F401


_register()
