"""``flask api-keys create --email EMAIL --scopes SCOPES``: the key alone on the last line."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from api.keys import services
from api.keys.exceptions import ApiKeyError
from core.accounts.models import User
from core.extensions import db

api_keys_cli = AppGroup("api-keys", help="Create API keys for the partner API.")


@api_keys_cli.command("create")
@click.option("--email", required=True, help="The owner's email.")
@click.option(
    "--scopes",
    required=True,
    help="`all` (every scope the owner's roles allow) or a comma-separated list, "
    "such as products:read,orders:write.",
)
@click.option("--name", default="CLI key", show_default=True, help="The key's name.")
def create(email: str, scopes: str, name: str) -> None:
    """Create a key and print it once, alone on the last line."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No account with the email {email}.")
    try:
        new = services.create_key(user, name, services.parse_scopes(user, scopes))
    except ApiKeyError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Key “{new.key.name}” ({new.key.prefix}) for {user.email}: {new.key.scopes}")
    click.echo("Store it now; it is not shown again.")
    click.echo(new.secret)
