"""`flask demo seed` adds creators with profiles, categories, figures and avatars."""

from __future__ import annotations

from sqlalchemy import func, select

from affiliate.profiles.models import CreatorCategory, CreatorProfile
from core.accounts.models import Role, UserRole
from core.accounts.services import authenticate
from core.extensions import db
from demo.accounts import DEMO_PASSWORD


def _seed(app) -> None:
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output


def test_demo_creators_have_profiles_avatars_and_categories_once(app, app_ctx, client):
    _seed(app)
    profiles = db.session.scalars(select(CreatorProfile)).all()
    assert len(profiles) >= 10
    assert all(p.avatar_path and p.categories and p.follower_count > 0 for p in profiles)
    cleo = db.session.scalars(select(CreatorProfile).where(CreatorProfile.handle == "cleo")).one()
    user = authenticate("creator@example.com", DEMO_PASSWORD)
    assert cleo.user_id == user.id
    creator_ids = set(
        db.session.scalars(select(UserRole.user_id).where(UserRole.role == Role.CREATOR.value))
    )
    assert {p.user_id for p in profiles} <= creator_ids
    avatar = client.get(f"/media/{cleo.avatar_path}")
    avatar.close()
    assert avatar.status_code == 200

    counts = (len(profiles), db.session.scalar(select(func.count(CreatorCategory.id))))
    _seed(app)
    assert (
        db.session.scalar(select(func.count(CreatorProfile.id))),
        db.session.scalar(select(func.count(CreatorCategory.id))),
    ) == counts


def test_demo_activity_gives_every_dashboard_data_once(app, app_ctx):
    from affiliate.creators.attribution.models import (
        Commission,
        ContentDailyStat,
        ContentEvent,
    )
    from core.ledger.models import AccountKind
    from core.ledger.services import owner_balances

    _seed(app)
    events = db.session.scalar(select(func.count(ContentEvent.id)))
    states = set(db.session.scalars(select(Commission.state)))
    assert events >= 300
    assert db.session.scalar(select(func.count(ContentDailyStat.day))) > 0
    assert {"pending", "settled"} <= states
    cleo = authenticate("creator@example.com", DEMO_PASSWORD)
    assert owner_balances(cleo.id, "USD")[AccountKind.CREATOR_AVAILABLE] > 0

    commissions = db.session.scalar(select(func.count(Commission.id)))
    _seed(app)
    assert db.session.scalar(select(func.count(ContentEvent.id))) == events
    assert db.session.scalar(select(func.count(Commission.id))) == commissions
