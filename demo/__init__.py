"""Demo data for a fresh machine: every seeder, in one ordered list, and ``flask demo seed``.

Each seeder is idempotent, flushes or commits its own work and returns a one-line summary; the
list's order is the seeding order (a later seeder may use what an earlier one made).
"""

from __future__ import annotations

from collections.abc import Callable

import click
from flask import Flask
from flask.cli import AppGroup

from core.accounts import services as account_services
from core.extensions import db
from demo import (
    activity,
    api,
    creators,
    currencies,
    disputes,
    messages,
    payouts,
    plans,
    promotions,
    samples,
    shop,
    webhooks,
)
from demo import collections as demo_collections
from demo import flat_fees as demo_flat_fees
from demo import fraud as demo_fraud
from demo import live_deals as demo_live_deals
from demo import reviews as demo_reviews
from demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD

SEEDERS: tuple[Callable[[], str], ...] = (
    creators.seed_creators,
    shop.seed_shop,
    promotions.seed_promotions,
    plans.seed_plans,
    plans.seed_samples,
    samples.seed_sample_rules_and_posting,
    creators.seed_lives,
    creators.seed_videos,
    activity.seed_creator_activity,
    activity.seed_codes_and_live_voucher,
    messages.seed_messages_and_crm,
    demo_live_deals.seed_live_deals,
    payouts.seed_payouts,
    disputes.seed_disputes,
    demo_reviews.seed_reviews,
    demo_collections.seed_collections,
    currencies.seed_euro_store,
    demo_flat_fees.seed_flat_fees,
    demo_fraud.seed_fraud_hold,
    webhooks.seed_webhooks,
    api.seed_api_hint,
)

demo_cli = AppGroup("demo", help="Demo data for a fresh machine.")


def init_app(app: Flask) -> None:
    """Offer ``flask demo seed``; the factory never seeds by itself."""
    app.cli.add_command(demo_cli)


def seed_accounts() -> str:
    created = 0
    for email, name, roles in DEMO_ACCOUNTS:
        user = account_services.find_by_email(email)
        if user is None:
            user = account_services.register_user(
                email=email, password=DEMO_PASSWORD, verified=True, display_name=name, roles=set()
            )
            created += 1
        for role in roles:
            account_services.grant_role(user, role, by=None)
    return f"demo accounts ready ({created} created); password: {DEMO_PASSWORD}"


@demo_cli.command("seed")
def seed() -> None:
    """Create the demo accounts and data (idempotent: running it again changes nothing)."""
    click.echo(seed_accounts())
    db.session.commit()
    for seeder in SEEDERS:
        click.echo(seeder())
        db.session.commit()
