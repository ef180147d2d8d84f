"""Demo flat fee: Glow & Co's targeted plan "Creator series" pays Cleo $20.00 per approved
video (up to 3, reviewed within 3 days); one video is approved, one waits for review."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from affiliate.creators.content.models import Content, ContentStatus
from affiliate.creators.content.videos import create_video
from affiliate.creators.flatfees import services as flat_fees
from affiliate.creators.flatfees import submissions
from affiliate.creators.flatfees.models import FlatFeeHold, FlatFeeOffer
from affiliate.plans import memberships
from affiliate.plans import services as plans
from affiliate.plans.models import Plan, PlanKind, PlanMembership
from core.accounts import services as accounts
from core.accounts.models import Role
from core.extensions import db
from core.ledger.models import AccountKind
from core.ledger.services import owner_balances
from core.types import utcnow
from demo.creators import DEMO_MEDIA
from shop.catalog.models import Product, Store

STORE_HANDLE = "glow-and-co"
CREATOR_EMAIL = "creator@example.com"
PLAN = "Creator series"
PRODUCT = "Gentle Foaming Cleanser"
FEE = 2_000
PIECES = 3
APPROVED_VIDEO = "Morning routine in two steps: cleanse, then SPF. That's it."
PENDING_VIDEO = "Cleanser, week two: still no tightness. #skincare"


def seed_flat_fees() -> str:
    """Offer the demo flat fee, accept it, and submit two of Cleo's videos (once)."""
    store = db.session.scalar(select(Store).where(Store.handle == STORE_HANDLE))
    creator = accounts.find_by_email(CREATOR_EMAIL)
    if store is None or creator is None or not creator.has_role(Role.CREATOR):
        return "demo flat fee skipped (no Glow & Co store or demo creator)"
    product_id = db.session.scalar(
        select(Product.id).where(Product.store_id == store.id, Product.title == PRODUCT)
    )
    if product_id is None:
        return "demo flat fee skipped (no cleanser)"
    plan = db.session.scalar(
        select(Plan).where(
            Plan.store_id == store.id, Plan.kind == PlanKind.TARGETED.value, Plan.name == PLAN
        )
    )
    if plan is not None and db.session.scalar(
        select(FlatFeeOffer.id).where(FlatFeeOffer.plan_id == plan.id)
    ):
        return "demo flat fee ready (already seeded)"
    balance = owner_balances(store.owner_id, store.currency).get(AccountKind.SELLER_RECEIVABLE, 0)
    if balance < FEE * PIECES:
        return "demo flat fee skipped (Glow & Co's balance cannot hold it)"
    if plan is None:
        starts_at = utcnow() - timedelta(days=1)
        plan = plans.create_targeted_plan(
            store,
            name=PLAN,
            product_rates={product_id: 2000},
            creator_ids=[creator.id],
            message="20% on the cleanser, and $20 for each video we approve.",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(days=60),
        )
    flat_fees.set_offer(plan, flat_fees.OfferInput(FEE, PIECES, 3), actor_id=store.owner_id)
    membership = db.session.scalar(
        select(PlanMembership).where(
            PlanMembership.plan_id == plan.id, PlanMembership.creator_id == creator.id
        )
    )
    assert membership is not None
    memberships.respond_to_invitation(membership.id, creator.id, accept=True)
    hold = db.session.scalar(select(FlatFeeHold).where(FlatFeeHold.creator_id == creator.id))
    assert hold is not None
    approved = _video(creator.id, APPROVED_VIDEO, product_id)
    pending = _video(creator.id, PENDING_VIDEO, product_id)
    first = submissions.submit(hold.id, creator.id, approved.id, now=utcnow() - timedelta(days=1))
    submissions.approve(
        first.id,
        actor_id=store.owner_id,
        clearing_days=int(current_app.config.get("FLAT_FEE_CLEARING_DAYS", 7)),
    )
    submissions.submit(hold.id, creator.id, pending.id)
    db.session.commit()
    return "demo flat fee ready (Creator series: 1 approved, 1 waiting for review)"


def _video(creator_id: int, caption: str, product_id: int) -> Content:
    found = db.session.scalar(
        select(Content).where(
            Content.creator_id == creator_id,
            Content.title == caption,
            Content.status == ContentStatus.PUBLISHED.value,
        )
    )
    if found is not None:
        return found
    clip = DEMO_MEDIA / "spf-check.mp4"
    with clip.open("rb") as clip_file, clip.with_suffix(".jpg").open("rb") as poster:
        return create_video(
            creator_id,
            caption=caption,
            product_ids=[product_id],
            upload=FileStorage(clip_file, filename=clip.name),
            external_url=None,
            poster=FileStorage(poster, filename=clip.with_suffix(".jpg").name),
        )
