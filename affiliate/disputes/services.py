"""Opening cases, their timeline (comments and evidence) and withdrawal.

Plain functions over ids; they flush, the caller commits. Every step adds a timeline event,
an audit event and notices to the other side and to finance (``parties``). A creator's claim is
opened in ``claims``, finance's decisions are in ``decisions``, the overdue sweep in ``jobs``.

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

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from affiliate.creators.attribution import holds
from affiliate.creators.attribution.models import (
    Commission,
    CommissionHold,
    CommissionState,
    HoldSource,
)
from affiliate.disputes.exceptions import (
    CaseAlreadyOpen,
    CaseClosed,
    DisputeError,
    NotContestable,
    NotYourCase,
)
from affiliate.disputes.inputs import REASON_MAX, clean_body, clean_links, clean_reason
from affiliate.disputes.models import (
    DISPUTE,
    Dispute,
    DisputeEvent,
    DisputeKind,
    DisputeState,
    EventKind,
    Party,
)
from affiliate.disputes.parties import (
    opener_party,
    other_party,
    tell_finance,
    tell_party,
)
from core.audit.services import record
from core.extensions import db
from core.money import format_money
from core.types import utcnow
from shop.catalog.models import Store
from shop.orders.models import Order, OrderLine, OrderStatus

SUBJECT = "dispute"

#: An order in one of these states was paid and is not undone.
PAID_STATES = frozenset(
    {OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED}
)


def answer_days() -> int:
    return int(current_app.config.get("DISPUTE_ANSWER_DAYS", 7))


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


def refuse_if_open(order_line_id: int) -> None:
    existing = db.session.scalar(
        select(Dispute.id).where(
            Dispute.order_line_id == order_line_id, Dispute.state == DisputeState.OPEN.value
        )
    )
    if existing is not None:
        raise CaseAlreadyOpen(f"Case #{existing} about this commission is still open.")


def open_case(
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
    refuse_if_open(line.id)
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
    refuse_if_open(commission.order_line_id)
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
    dispute = open_case(
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
    return open_case(
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
