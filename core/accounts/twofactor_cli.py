"""``flask two-factor``: the code an authenticator app would show (demo, tests by hand), and
turning two-factor sign-in off for someone who lost both their phone and recovery codes."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from core.accounts import services, twofactor
from core.accounts.models import new_session_token
from core.accounts.security_models import RecoveryCode
from core.audit import services as audit
from core.extensions import db
from core.types import utcnow

two_factor_cli = AppGroup("two-factor", help="Two-factor sign-in tools.")


@two_factor_cli.command("code")
@click.argument("secret")
def code(secret: str) -> None:
    """Print the current code for SECRET (the key shown under the QR code, spaces allowed)."""
    cleaned = "".join(secret.split()).upper()
    try:
        click.echo(twofactor.code_at(cleaned, utcnow()))
    except ValueError as error:
        raise click.ClickException(f"That is not a base32 key: {error}") from None


@two_factor_cli.command("reset")
@click.argument("email")
def reset(email: str) -> None:
    """Turn two-factor sign-in off for EMAIL and end their sessions (they enrol again)."""
    user = services.find_by_email(email)
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    enrolment = twofactor.enrolment_of(user.id)
    if enrolment is None:
        raise click.ClickException(f"{email} has no authenticator app set up.")
    db.session.delete(enrolment)
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.session_token = new_session_token()
    audit.record(actor_id=None, action="two_factor_reset", subject_type="user", subject_id=user.id)
    db.session.commit()
    click.echo(f"Two-factor sign-in is off for {email}; every session of theirs has ended.")
