"""The ``qa-coach`` command line: thin commands that build library objects and call them."""

from __future__ import annotations

import sys

import click

from qa_coach.domain.errors import QACoachError
from qa_coach.settings import set_thread_wait_policy


EXIT_INPUT_ERROR = 2  # bad input or a refused request: the message names the file and the place
EXIT_UNEXPECTED_ERROR = 70  # EX_SOFTWARE (sysexits.h): a fault, its traceback in the error log


class _FriendlyGroup(click.Group):
    """No traceback reaches the terminal: a QACoachError becomes ``error: <message>`` and exit
    code 2; any other exception (a fault, or an input nothing checked yet) becomes one line,
    ``unexpected error: ...; details written to <log>``, with the traceback in the error log
    of the data folder, and exit code 70."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except QACoachError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_INPUT_ERROR)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise  # usage errors, --help, Ctrl-C: click reports them itself
        except Exception as exc:
            from qa_coach.services.error_log import unexpected_error_message

            # The command's name only: its arguments may hold personal data.
            command = f"qa-coach {ctx.invoked_subcommand or ''}".strip()
            click.echo(unexpected_error_message(exc, command), err=True)
            sys.exit(EXIT_UNEXPECTED_ERROR)


@click.group(cls=_FriendlyGroup, epilog=(
    "Exit codes: 0 done; 2 an input error or a refused request (the message names the file "
    "and the place); 70 an unexpected error (one line on the terminal, the traceback in "
    "errors.log under the data folder's logs/)."))
@click.version_option(package_name="qa-coach")
def main() -> None:
    """qa-coach: score customer-service calls and chats against a rubric, with evidence."""
    set_thread_wait_policy()  # before any command imports torch


def _register() -> None:
    # Each command lives in its own module; importing registers it on ``main``.
    from qa_coach.cli import commands  # noqa: F401


_register()
