"""`flask demo seed` gives Cleo's live on air a Glow & Co deal and schedules her Q&A with a
cover half an hour ahead, once; a signed-out viewer sees the deal with its countdown."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from affiliate.creators.content.models import Content
from core.extensions import db
from core.types import utcnow
from demo.live_deals import QA_TITLE
from shop.catalog.models import Variant
from shop.promotions.live_deal_models import LiveDeal
from shop.promotions.parsing import as_utc


def _seed(app) -> None:
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output


def test_demo_seeds_a_live_deal_and_a_scheduled_live_once(app, app_ctx, client):
    _seed(app)
    deal = db.session.scalars(select(LiveDeal)).one()
    assert deal.opened_at is not None
    assert 0 < deal.deal_price < db.session.get(Variant, deal.variant_id).price
    qa = db.session.scalars(select(Content).where(Content.title == QA_TITLE)).one()
    assert qa.live_state == "scheduled"
    assert qa.poster_path
    assert timedelta(0) < as_utc(qa.scheduled_at) - utcnow() <= timedelta(minutes=30)
    html = client.get(f"/live/{deal.content_id}").get_data(as_text=True)
    assert f'data-live-deal="{deal.id}"' in html
    assert 'data-deal-state="running"' in html
    assert "Sign in to set a reminder" in client.get(f"/live/{qa.id}").get_data(as_text=True)

    _seed(app)
    assert db.session.scalar(select(func.count(LiveDeal.id))) == 1
    assert db.session.scalar(select(func.count(Content.id)).where(Content.title == QA_TITLE)) == 1
