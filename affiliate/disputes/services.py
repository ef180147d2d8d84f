"""Opening cases, their timeline (comments and evidence) and withdrawal.

Plain functions over ids; they flush, the caller commits. Every step adds a timeline event,
an audit event and notices to the other side and to finance. Finance's decisions are in
``decisions``; the overdue sweep in ``jobs``.

- A **seller's contest** is about a pending commission of its store, before it settles; it
  places a ``HoldSource.DISPUTE`` hold, so the commission does not settle at the order clock
  until the case closes.
- A **creator's claim** names an order (its number), a product and her content: the order must
  be paid, the product on it, and a plan of hers must have covered that product when the order
  was placed; the line must have earned no commission yet. Nothing moves until finance upholds.
- A **creator's contest** is about her reversed or clawed-back commission.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from affiliate.creators.attribution import holds
from affiliate.creators.attribution.commissions import commission_terms, terms_of
from affiliate.creators.attribution.models import (
    Commission,
    CommissionHold,
    CommissionState,
    HoldSource,
)
from affiliate.creators.content.models import Content
from affiliate.disputes.exceptions import (
    CaseAlreadyOpen,
    CaseClosed,
    ClaimInvalid,
    DisputeError,
    NotContestable,
    NotYourCase,
)
from affiliate.disputes.models import (
    DISPUTE,
    Dispute,
    DisputeEvent,
    DisputeKind,
    DisputeState,
    EventKind,
    Party,
)
from core.accounts.models import Role, User, UserRole
from core.audit.services import record
from core.extensions import db
from core.money import format_money, percent_of
from core.notifications.services import notify, notify_many
from core.types import utcnow
from shop.catalog.models import Store
from shop.hooks import CommissionTerms
from shop.orders.models import LineStatus, Order, OrderLine, OrderStatus

SUBJECT = "dispute"
NOTICE_KIND = "dispute"
REASON_MAX = 500
BODY_MAX = 4000
LINKS_MAX = 5
LINK_MAX = 500

#: An order in one of these states was paid and is not undone.
PAID_STATES = frozenset(
    {OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED}
)


def answer_days() -> int:
    return int(current_app.config.get("DISPUTE_ANSWER_DAYS", 7))


# ---------------------------------------------------------------------------- input


def clean_reason(reason: str | None, *, field: str = "reason") -> str:
    text = (reason or "").strip()
    if len(text) < 3:
        raise DisputeError("Say why, in a few words at least.", field=field)
    if len(text) > REASON_MAX:
        raise DisputeError(f"Keep the reason under {REASON_MAX} characters.", field=field)
    return text


def clean_body(body: str | None) -> str:
    text = (body or "").strip()
    if len(text) > BODY_MAX:
        raise DisputeError(f"Keep the text under {BODY_MAX} characters.", field="evidence")
    return text


def clean_links(raw: str | Iterable[str] | None) -> list[str]:
    """Evidence links, one a line: http(s) addresses only, at most five."""
    lines = raw.splitlines() if isinstance(raw, str) else list(raw or [])
    links = [line.strip() for line in lines if line.strip()]
    if len(links) > LINKS_MAX:
        raise DisputeError(f"Give at most {LINKS_MAX} links.", field="links")
    for link in links:
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(link) > LINK_MAX:
            raise DisputeError(f"{link[:60]!r} is not a web address (https://…).", field="links")
        if any(ord(ch) < 32 or ch.isspace() for ch in link):
            raise DisputeError("A link cannot contain spaces.", field="links")
    return links


# ---------------------------------------------------------------------------- paths, parties


def seller_path(dispute: Dispute) -> str:
    return f"/seller/disputes/{dispute.id}"


def creator_path(dispute: Dispute) -> str:
    return f"/creator/disputes/{dispute.id}"


def finance_path(dispute: Dispute) -> str:
    return f"/finance/disputes/{dispute.id}"


def store_owner_id(dispute: Dispute) -> int:
    store = db.session.get(Store, dispute.store_id)
    assert store is not None
    return store.owner_id


def finance_officer_ids(excluding: Iterable[int] = ()) -> list[int]:
    query = (
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.FINANCE.value, User.suspended_at.is_(None))
        .order_by(User.id)
    )
    skip = set(excluding)
    return [user_id for user_id in db.session.scalars(query) if user_id not in skip]


def tell_finance(dispute: Dispute, message: str) -> None:
    parties = (dispute.creator_id, store_owner_id(dispute))
    notify_many(finance_officer_ids(parties), message, kind=NOTICE_KIND, link=finance_path(dispute))


def tell_party(dispute: Dispute, party: Party, message: str) -> None:
    if party is Party.SELLER:
        notify(store_owner_id(dispute), message, kind=NOTICE_KIND, link=seller_path(dispute))
    elif party is Party.CREATOR:
        notify(dispute.creator_id, message, kind=NOTICE_KIND, link=creator_path(dispute))


def opener_party(dispute: Dispute) -> Party:
    return Party.SELLER if dispute.dispute_kind.opened_by_seller else Party.CREATOR


def other_party(party: Party) -> Party:
    return Party.CREATOR if party is Party.SELLER else Party.SELLER


# ---------------------------------------------------------------------------- opening


def add_event(
    dispute: Dispute,
    kind: EventKind,
    party: Party,
    *,
    author_id: int | None,
    body: str = "",
    links: Iterable[str] = (),
    now: datetime,
) -> DisputeEvent:
    event = DisputeEvent(
        dispute_id=dispute.id,
        kind=kind.value,
        party=party.value,
        author_id=author_id,
        body=body,
        links="\n".join(links),
        created_at=now,
    )
    db.session.add(event)
    return event


def _refuse_if_open(order_line_id: int) -> None:
    existing = db.session.scalar(
        select(Dispute.id).where(
            Dispute.order_line_id == order_line_id, Dispute.state == DisputeState.OPEN.value
        )
    )
    if existing is not None:
        raise CaseAlreadyOpen(f"Case #{existing} about this commission is still open.")


def _open(
    kind: DisputeKind,
    *,
    order: Order,
    line: OrderLine,
    creator_id: int,
    opened_by_id: int,
    amount: int,
    reason: str,
    evidence: str,
    links: list[str],
    now: datetime,
    commission_id: int | None = None,
    content_id: int | None = None,
) -> Dispute:
    _refuse_if_open(line.id)
    dispute = Dispute(
        kind=kind.value,
        state=DisputeState.OPEN.value,
        store_id=order.store_id,
        creator_id=creator_id,
        opened_by_id=opened_by_id,
        order_id=order.id,
        order_line_id=line.id,
        commission_id=commission_id,
        content_id=content_id,
        amount=amount,
        currency=order.currency,
        reason=reason,
        opened_at=now,
        answer_by=now + timedelta(days=answer_days()),
    )
    try:
        with db.session.begin_nested():  # two opens racing: the partial unique index decides
            db.session.add(dispute)
            db.session.flush()
    except IntegrityError as error:
        raise CaseAlreadyOpen("A case about this commission is already open.") from error
    party = opener_party(dispute)
    add_event(
        dispute,
        EventKind.OPENED,
        party,
        author_id=opened_by_id,
        body=evidence,
        links=links,
        now=now,
    )
    record(
        actor_id=opened_by_id,
        action=f"dispute.opened.{kind.value}",
        subject_type=SUBJECT,
        subject_id=dispute.id,
        to_state=DisputeState.OPEN.value,
        reason=reason,
    )
    what = f"Case #{dispute.id}: {kind.label.lower()} on order #{order.id}"
    tell_party(dispute, other_party(party), f"{what}. You can answer with your side.")
    tell_finance(dispute, f"{what}, to answer by {dispute.answer_by:%d %b %Y}.")
    db.session.flush()
    return dispute


def _locked_commission(commission_id: int) -> Commission:
    commission = db.session.scalar(
        select(Commission).where(Commission.id == commission_id).with_for_update()
    )
    if commission is None:
        raise NotContestable("That commission does not exist.")
    return commission


def open_seller_contest(
    commission_id: int,
    *,
    seller_id: int,
    reason: str,
    evidence: str = "",
    links: str | Iterable[str] = "",
    now: datetime | None = None,
) -> Dispute:
    """The store's owner contests a pending commission as fraud: the case holds it."""
    now = now or utcnow()
    reason, evidence, link_list = clean_reason(reason), clean_body(evidence), clean_links(links)
    commission = _locked_commission(commission_id)
    store = db.session.get(Store, commission.store_id)
    if store is None or store.owner_id != seller_id:
        raise NotContestable("That commission is not on your store's sales.")
    if commission.state != CommissionState.PENDING.value:
        raise NotContestable(
            "Only a pending commission can be contested, before it settles; this one is "
            f"{commission.commission_state.label.lower()}."
        )
    _refuse_if_open(commission.order_line_id)
    order = db.session.get(Order, commission.order_id)
    line = db.session.get(OrderLine, commission.order_line_id)
    assert order is not None
    assert line is not None
    hold = holds.place_hold(
        commission,
        source=HoldSource.DISPUTE,
        reason=f"Contested by the seller: {reason}",
        actor_id=seller_id,
        now=now,
    )
    dispute = _open(
        DisputeKind.SELLER_CONTEST,
        order=order,
        line=line,
        creator_id=commission.creator_id,
        opened_by_id=seller_id,
        amount=commission.net_amount,
        reason=reason,
        evidence=evidence,
        links=link_list,
        now=now,
        commission_id=commission.id,
        content_id=commission.content_id,
    )
    dispute.hold_id = hold.id
    db.session.flush()
    return dispute


def open_reversal_contest(
    commission_id: int,
    *,
    creator_id: int,
    reason: str,
    evidence: str = "",
    links: str | Iterable[str] = "",
    now: datetime | None = None,
) -> Dispute:
    """The creator contests the reversal or clawback of her commission."""
    now = now or utcnow()
    reason, evidence, link_list = clean_reason(reason), clean_body(evidence), clean_links(links)
    commission = _locked_commission(commission_id)
    if commission.creator_id != creator_id:
        raise NotContestable("That commission is not yours.")
    contestable = (CommissionState.REVERSED.value, CommissionState.CLAWED_BACK.value)
    if commission.state not in contestable or commission.reversed_amount <= 0:
        raise NotContestable("Only a reversed or clawed-back commission can be contested.")
    order = db.session.get(Order, commission.order_id)
    line = db.session.get(OrderLine, commission.order_line_id)
    assert order is not None
    assert line is not None
    return _open(
        DisputeKind.REVERSAL_CONTEST,
        order=order,
        line=line,
        creator_id=creator_id,
        opened_by_id=creator_id,
        amount=commission.reversed_amount,
        reason=reason,
        evidence=evidence,
        links=link_list,
        now=now,
        commission_id=commission.id,
        content_id=commission.content_id,
    )


def claim_terms(order: Order, line: OrderLine, creator_id: int) -> CommissionTerms | None:
    """What the line would have earned the creator: its snapshot when it was attributed to
    her, else the commission rule as of the order's placement."""
    if line.creator_id == creator_id and line.commission_rate_bps:
        return terms_of(order, line)
    return commission_terms(creator_id, [line.product_id], order.placed_at).get(line.product_id)


def _claimable_line(order: Order, product_id: int, creator_id: int) -> OrderLine:
    lines = [line for line in order.lines if line.product_id == product_id]
    commissioned = set(
        db.session.scalars(select(Commission.order_line_id).where(Commission.order_id == order.id))
    )
    open_cases = set(
        db.session.scalars(
            select(Dispute.order_line_id).where(
                Dispute.order_id == order.id, Dispute.state == DisputeState.OPEN.value
            )
        )
    )
    free = [line for line in lines if line.id not in commissioned]
    if not free:
        raise ClaimInvalid(
            "Every line of that product on this order already has a commission.",
            field="product_id",
        )
    free = [line for line in free if line.status == LineStatus.OPEN.value]
    if not free:
        raise ClaimInvalid("That product was refunded or cancelled on this order.")
    waiting = [line for line in free if line.id not in open_cases]
    if not waiting:
        raise CaseAlreadyOpen("A claim about that product on this order is already open.")
    return waiting[0]


def open_missing_claim(
    *,
    creator_id: int,
    order_id: int | None,
    product_id: int | None,
    content_id: int | None,
    reason: str,
    evidence: str = "",
    links: str | Iterable[str] = "",
    now: datetime | None = None,
) -> Dispute:
    """The creator claims the commission a paid line should have earned her."""
    now = now or utcnow()
    reason, evidence, link_list = clean_reason(reason), clean_body(evidence), clean_links(links)
    content = db.session.get(Content, content_id) if content_id else None
    if content is None or content.creator_id != creator_id:
        raise ClaimInvalid("Choose one of your videos or lives.", field="content_id")
    order = db.session.get(Order, order_id) if order_id and 0 < order_id < 2**63 else None
    line = next((x for x in order.lines if x.product_id == product_id), None) if order else None
    # One answer for "no such order" and "not from a store whose plan you are in": a
    # creator cannot learn anything about another store's orders by guessing numbers.
    if order is None or line is None or claim_terms(order, line, creator_id) is None:
        raise ClaimInvalid(
            f"No order #{order_id or '?'} with that product from a store whose plan covered "
            "it for you when it was placed.",
            field="order_number",
        )
    if OrderStatus(order.status) not in PAID_STATES:
        raise ClaimInvalid(
            f"Order #{order.id} is not a paid order (it is {order.status.replace('_', ' ')}).",
            field="order_number",
        )
    if order.buyer_id == creator_id:
        raise ClaimInvalid("Your own purchases earn no commission.", field="order_number")
    line = _claimable_line(order, line.product_id, creator_id)
    terms = claim_terms(order, line, creator_id)
    assert terms is not None
    return _open(
        DisputeKind.MISSING_COMMISSION,
        order=order,
        line=line,
        creator_id=creator_id,
        opened_by_id=creator_id,
        amount=percent_of(line.amount, terms.rate_bps),
        reason=reason,
        evidence=evidence,
        links=link_list,
        now=now,
        content_id=content.id,
    )


# ---------------------------------------------------------------------------- timeline


def add_comment(
    dispute_id: int,
    *,
    author_id: int,
    party: Party,
    body: str,
    links: str | Iterable[str] = "",
    now: datetime | None = None,
) -> DisputeEvent:
    """A party (or finance) adds a comment, or evidence when it carries links."""
    now = now or utcnow()
    text, link_list = clean_body(body), clean_links(links)
    if not text and not link_list:
        raise DisputeError("Write something or add a link.", field="body")
    dispute = locked_case(dispute_id)
    kind = EventKind.EVIDENCE if link_list else EventKind.COMMENT
    event = add_event(
        dispute, kind, party, author_id=author_id, body=text, links=link_list, now=now
    )
    record(
        actor_id=author_id,
        action=f"dispute.{kind.value}",
        subject_type=SUBJECT,
        subject_id=dispute.id,
        reason=text[:200] or None,
    )
    said = f"Case #{dispute.id}: new {kind.value} from the {party.value}."
    if party is Party.FINANCE:
        tell_party(dispute, Party.SELLER, said)
        tell_party(dispute, Party.CREATOR, said)
    else:
        tell_party(dispute, other_party(party), said)
        tell_finance(dispute, said)
    db.session.flush()
    return event


def locked_case(dispute_id: int) -> Dispute:
    dispute = db.session.scalar(select(Dispute).where(Dispute.id == dispute_id).with_for_update())
    if dispute is None:
        raise CaseClosed("That case does not exist.")
    if not dispute.is_open:
        raise CaseClosed(f"Case #{dispute.id} is {dispute.dispute_state.label.lower()}.")
    return dispute


def withdraw(
    dispute_id: int, *, actor_id: int, reason: str = "", now: datetime | None = None
) -> Dispute:
    """The party who opened the case takes it back; a seller's contest releases its hold."""
    now = now or utcnow()
    dispute = locked_case(dispute_id)
    if actor_id != dispute.opened_by_id:
        raise NotYourCase("Only the side who opened the case can withdraw it.")
    said = (reason or "").strip()[:REASON_MAX] or "Withdrawn."
    release_case_hold(dispute, reason=f"Case #{dispute.id} withdrawn", actor_id=actor_id, now=now)
    previous = DISPUTE.move(dispute, DisputeState.WITHDRAWN, label=f"case #{dispute.id}")
    dispute.closed_at, dispute.closed_by_id, dispute.answer = now, actor_id, said
    party = opener_party(dispute)
    add_event(dispute, EventKind.WITHDRAWN, party, author_id=actor_id, body=said, now=now)
    record(
        actor_id=actor_id,
        action="dispute.withdrawn",
        subject_type=SUBJECT,
        subject_id=dispute.id,
        from_state=previous.value if previous else None,
        to_state=dispute.state,
        reason=said,
    )
    message = f"Case #{dispute.id} was withdrawn by the {party.value}."
    tell_party(dispute, other_party(party), message)
    tell_finance(dispute, message)
    db.session.flush()
    return dispute


def case_hold(dispute: Dispute) -> CommissionHold | None:
    """The case's hold while it is still open (a refund or a fraud reversal may close it)."""
    if dispute.hold_id is None:
        return None
    hold = db.session.get(CommissionHold, dispute.hold_id)
    return hold if hold is not None and hold.is_open else None


def release_case_hold(dispute: Dispute, *, reason: str, actor_id: int, now: datetime) -> bool:
    hold = case_hold(dispute)
    if hold is None:
        return False
    return holds.release_hold(hold, reason=reason, actor_id=actor_id, now=now)


def describe_amount(dispute: Dispute) -> str:
    return format_money(dispute.amount, dispute.currency)
