"""Demo messages and CRM for Glow & Co: a conversation with Cleo that carries an invitation
card (to "Spring launch", which she can accept in the thread) and her reply; a few tags, a
private note and a saved segment. Idempotent."""

from __future__ import annotations

from sqlalchemy import select

from affiliate.crm import services as crm
from affiliate.crm.models import CreatorNote
from affiliate.messages import services as messages
from affiliate.messages.models import CardKind, Origin, Side
from affiliate.plans.models import Plan, PlanKind
from affiliate.profiles.models import CreatorProfile
from core.accounts import services as accounts
from core.extensions import db
from shop.catalog.models import Store

STORE_HANDLE = "glow-and-co"
CREATOR_EMAIL = "creator@example.com"
PLAN_NAME = "Spring launch"
OPENING = (
    "Hi Cleo! We love your morning routines. Our spring range would fit them well: here is "
    "an invitation to our Spring launch plan, 25% on every sale. More at https://example.com/glow"
)
REPLY = "Thank you! I'll try the serum this week and answer the invitation here."
TAGS = {"Skincare": ("cleo",), "VIP": ("cleo",), "Tech": ("maya.lens",)}
NOTE = "Great on-camera routine; prefers serums over creams. Answer within a day."
SEGMENT = ("Skincare creators", "Skincare")


def seed_messages_and_crm() -> str:
    store = db.session.scalar(select(Store).where(Store.handle == STORE_HANDLE))
    creator = accounts.find_by_email(CREATOR_EMAIL)
    if store is None or creator is None:
        return "demo messages skipped (no Glow & Co or no Cleo)"
    seller = store.owner
    made = []
    if messages.conversation_between(store.id, creator.id) is None:
        plan = db.session.scalar(
            select(Plan).where(
                Plan.store_id == store.id,
                Plan.kind == PlanKind.TARGETED.value,
                Plan.name == PLAN_NAME,
            )
        )
        card = messages.CardRequest(CardKind.INVITATION, plan.id) if plan else None
        messages.send(
            store=store,
            creator_id=creator.id,
            side=Side.SELLER,
            sender=seller,
            body=OPENING,
            card=card,
            origin=Origin.DIRECTORY,
        )
        messages.send(
            store=store, creator_id=creator.id, side=Side.CREATOR, sender=creator, body=REPLY
        )
        made.append("a conversation with Cleo")
    handles = {h for names in TAGS.values() for h in names}
    ids = dict(
        db.session.execute(
            select(CreatorProfile.handle, CreatorProfile.user_id).where(
                CreatorProfile.handle.in_(handles)
            )
        ).all()
    )
    skincare = None
    for name, names in TAGS.items():
        chosen = [ids[h] for h in names if h in ids]
        if chosen:
            tag, _ = crm.tag_creators(store, name, chosen)
            if name == SEGMENT[1]:
                skincare = tag
    has_note = db.session.scalar(
        select(CreatorNote.id).where(
            CreatorNote.store_id == store.id, CreatorNote.creator_id == creator.id
        )
    )
    if has_note is None:
        crm.add_note(store, creator.id, seller, NOTE)
        made.append("a note")
    if skincare is not None:
        crm.save_segment(store, SEGMENT[0], {"tag": str(skincare.id), "sort": "gmv"})
    return "demo messages and CRM ready" + (f" ({', '.join(made)})" if made else "")
