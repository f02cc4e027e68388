"""``qa-coach user ...``: the machine owner's way back into the app (no sign-in needed)."""

from __future__ import annotations

import click

from qa_coach.cli import main
from qa_coach.cli.db import acting_user, as_option, open_database


@main.group("user")
def user_group() -> None:
    """User accounts: set a password or lift a lock-out on this machine's database."""


@user_group.command("set-password")
@click.argument("email")
@as_option
def set_password_command(email: str, as_user: str | None) -> None:
    """Set a new password for EMAIL (asked twice, not shown) and unlock the account."""
    from qa_coach.services import account_recovery, auth

    db = open_database()
    sessions = db.session_factory()
    admin = acting_user(db, as_user)
    account = account_recovery.account_state(sessions, admin, email)  # a typo fails before the prompts
    password = click.prompt(f"New password for {account.email}", hide_input=True, confirmation_prompt=True,
                            err=True)
    auth.set_password(sessions, admin, account.id, password)
    click.echo(f"{account.email}: new password set; the account is unlocked.")
    if not account.active:
        click.echo(f"note: {account.email} is deactivated; an admin reactivates it on the Admin page.", err=True)


@user_group.command("unlock")
@click.argument("email")
@as_option
def unlock_command(email: str, as_user: str | None) -> None:
    """Lift the lock-out after too many wrong passwords (the password stays the same)."""
    from qa_coach.services import account_recovery

    db = open_database()
    sessions = db.session_factory()
    before = account_recovery.unlock_account(sessions, acting_user(db, as_user), email)
    click.echo(f"{before.email}: unlocked." if before.locked
               else f"{before.email} was not locked; the count of wrong passwords is reset.")
    if not before.has_password:
        click.echo(f"note: {before.email} has no password yet: `qa-coach user set-password {before.email}`.",
                   err=True)
