"""Free samples: a creator asks for one, the seller sends it (a free order) or declines.

Plain functions over ids and objects; they validate, change rows and flush, and the caller
commits. A refused change raises a ``SampleError`` before anything is written; a request moves
only through ``SAMPLE_STATES``.

- ``request_sample``: only for a product in the creator's showcase, on sale, not of the
  creator's own store; one open request per creator and product (a partial unique index
  backs the check against a double submit).
- The cap protocol (``caps``, where the seller also sets the cap): lock the product's
  ``SamplePolicy`` row, check the open request and the cap, insert.
- ``approve_sample``: lock the request, place the free order through the shop
  (``place_complimentary_order``: stock reserved like a sale, no payment, no ledger entry),
  link it. Out of stock: ``SampleOutOfStock`` and the request still waits.
- A request that one of the seller's rules covers (``rules.matching_rule``) is approved at
  once, in a savepoint (out of stock: it waits for the seller instead), and names the rule.
- ``decline_sample`` (with a reason the creator reads) and ``cancel_sample`` (the creator,
  while it waits) close a request without an order.

A seller acts only on their own store's requests and a creator only on their own: anybody
else's request reads as missing (``NotFound``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from affiliate.plans.exceptions import NotFound
from affiliate.plans.models import ShowcaseItem
from affiliate.plans.samples import caps, rules
from affiliate.plans.samples.exceptions import (
    IllegalSampleTransition,
    InvalidSampleRequest,
    SampleAlreadyRequested,
    SampleNotAllowed,
    SampleOutOfStock,
)
from affiliate.plans.samples.models import (
    DECLINE_REASON_MAX,
    DECLINE_REASON_MIN,
    SAMPLE_NOTE_MAX,
    SAMPLE_NOTE_MIN,
    SAMPLE_STATES,
    SampleRequest,
    SampleRule,
    SampleStatus,
)
from core.accounts.models import Role, User
from core.audit import services as audit
from core.extensions import db
from core.notifications.services import notify
from core.types import utcnow
from shop.catalog.models import Product, ProductStatus, Store, Variant
from shop.orders.checkout.complimentary import place_complimentary_order
from shop.orders.checkout.models import Address
from shop.orders.checkout.services import add_address, get_address
from shop.orders.exceptions import OutOfStock

_MAX_KEY = 2**63 - 1
REQUEST_MISSING = "That sample request does not exist."


# ---------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------


def _clean(value: str | None, label: str, low: int, high: int, field: str) -> str:
    text = (value or "").strip()
    if len(text) < low:
        raise InvalidSampleRequest(f"Write at least {low} characters for the {label}.", field=field)
    if len(text) > high:
        raise InvalidSampleRequest(f"Keep the {label} under {high} characters.", field=field)
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in text):
        raise InvalidSampleRequest(
            f"The {label} holds characters that cannot be printed.", field=field
        )
    return text


def clean_note(note: str | None) -> str:
    """The creator's note on the content they plan: 10 to 1000 characters."""
    return _clean(note, "note on the content you plan", SAMPLE_NOTE_MIN, SAMPLE_NOTE_MAX, "note")


def _get(model: type[Any], ident: int) -> Any:
    return db.session.get(model, ident) if 0 < ident <= _MAX_KEY else None


def _lock_request(request_id: int) -> SampleRequest:
    sample = None
    if 0 < request_id <= _MAX_KEY:
        sample = db.session.scalar(
            select(SampleRequest)
            .where(SampleRequest.id == request_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    if sample is None:
        raise NotFound(REQUEST_MISSING)
    return sample


def _store_request(seller: User, request_id: int) -> SampleRequest:
    """The request, locked, if it is for the seller's store; else ``NotFound``."""
    sample = _lock_request(request_id)
    owner_id = db.session.scalar(select(Store.owner_id).where(Store.id == sample.store_id))
    if owner_id != seller.id:
        raise NotFound(REQUEST_MISSING)
    return sample


def _check_move(sample: SampleRequest, target: SampleStatus) -> None:
    """Refuse, in the request's words, a move that ``SAMPLE_STATES`` does not allow."""
    if not SAMPLE_STATES.can_move(sample, target):
        raise IllegalSampleTransition(
            f"This sample request was already {sample.status}; it cannot change any more.",
            current=sample.status,
            target=target.value,
        )


def _decide(sample: SampleRequest, target: SampleStatus, actor: User) -> None:
    SAMPLE_STATES.move(sample, target)
    sample.decided_at = utcnow()
    sample.decided_by = actor.id


def _has_open_request(creator_id: int, product_id: int) -> bool:
    query = select(SampleRequest.id).where(
        SampleRequest.creator_id == creator_id,
        SampleRequest.product_id == product_id,
        SampleRequest.status == SampleStatus.REQUESTED.value,
    )
    return db.session.scalar(query.limit(1)) is not None


def _already_requested(product: Product) -> SampleAlreadyRequested:
    return SampleAlreadyRequested(
        f"You already asked for a sample of “{product.title}”; wait for the seller's answer "
        "or cancel that request first."
    )


# ---------------------------------------------------------------------------------------------
# The creator asks
# ---------------------------------------------------------------------------------------------


def sample_product(creator_id: int, product_id: int) -> Product:
    """The product if the creator may ask for a sample of it now; else a ``SampleError``."""
    product = _get(Product, product_id)
    if product is None:
        raise NotFound("That product does not exist.")
    in_showcase = db.session.scalar(
        select(ShowcaseItem.id).where(
            ShowcaseItem.creator_id == creator_id, ShowcaseItem.product_id == product.id
        )
    )
    if in_showcase is None:
        raise SampleNotAllowed(
            f"Add “{product.title}” to your showcase first: samples are for products you promote."
        )
    if product.status != ProductStatus.ACTIVE.value:
        raise SampleNotAllowed(f"“{product.title}” is not on sale, so it has no samples.")
    if product.store.owner_id == creator_id:
        raise SampleNotAllowed("That is your own store's product.")
    return product


def sample_variants(product: Product) -> list[Variant]:
    """The product's options a sample can be of (active ones), in the shop's order."""
    query = (
        select(Variant)
        .where(Variant.product_id == product.id, Variant.active.is_(True))
        .order_by(Variant.position, Variant.id)
    )
    return list(db.session.scalars(query))


def request_sample(
    creator: User,
    product_id: int,
    variant_id: int,
    note: str,
    address_id: int | None,
    *,
    new_address: Mapping[str, str] | None = None,
) -> SampleRequest:
    """Ask for a free sample of a variant of a showcased product, sent to an address.

    The address is one of the creator's saved addresses (``address_id``), or ``new_address``
    (the fields of ``shop.orders.checkout.services.add_address``), saved for next time.
    """
    if not creator.has_role(Role.CREATOR):
        raise SampleNotAllowed("Only creators can ask for samples.")
    note = clean_note(note)
    product = sample_product(creator.id, product_id)
    variant = _get(Variant, variant_id)
    if variant is None or variant.product_id != product.id or not variant.active:
        raise InvalidSampleRequest("Choose one of this product's options.", field="variant_id")
    address: Address | None = None
    if address_id is not None:
        address = get_address(creator.id, address_id)
        if address is None:
            raise InvalidSampleRequest("Choose one of your saved addresses.", field="address")
    elif not new_address:
        raise InvalidSampleRequest("Say where to send the sample.", field="address")
    policy = caps.lock_policy(product.id)
    if _has_open_request(creator.id, product.id):
        raise _already_requested(product)
    caps.check_room(policy, product)
    if address is None:
        assert new_address is not None
        address = add_address(creator.id, **new_address)
    sample = SampleRequest(
        creator_id=creator.id,
        product_id=product.id,
        variant_id=variant.id,
        store_id=product.store_id,
        address_id=address.id,
        note=note,
        status=SampleStatus.REQUESTED.value,
        decline_reason="",
        created_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(sample)
            db.session.flush()
    except IntegrityError:
        raise _already_requested(product) from None
    _approve_by_rule(sample, variant.price, product.currency)
    return sample


def _approve_by_rule(sample: SampleRequest, price: int, currency: str) -> None:
    """Approve the new request if one of the store's rules covers it (else it waits)."""
    rule = rules.matching_rule(sample, price, currency)
    if rule is None:
        return
    try:
        with db.session.begin_nested():
            _send(sample, None, rule, currency)
    except SampleOutOfStock:
        db.session.refresh(sample)
        return
    owner_id = db.session.scalar(select(Store.owner_id).where(Store.id == sample.store_id))
    if owner_id is not None:
        notify(
            owner_id,
            f"{sample.approved_by_rule} approved a sample request by itself: order "
            f"#{sample.order_id} is ready to ship.",
            kind="sample",
            link="/seller/samples?status=approved",
        )


def cancel_sample(creator: User, request_id: int) -> SampleRequest:
    """The creator withdraws a request the seller has not answered yet."""
    sample = _lock_request(request_id)
    if sample.creator_id != creator.id:
        raise NotFound(REQUEST_MISSING)
    _check_move(sample, SampleStatus.CANCELLED)
    _decide(sample, SampleStatus.CANCELLED, creator)
    db.session.flush()
    return sample


# ---------------------------------------------------------------------------------------------
# The seller answers
# ---------------------------------------------------------------------------------------------


def _audit(sample: SampleRequest, actor: User, action: str, reason: str) -> None:
    audit.record(
        actor_id=actor.id,
        action=f"sample.{action}",
        subject_type="sample_request",
        subject_id=sample.id,
        from_state=SampleStatus.REQUESTED.value,
        to_state=sample.status,
        reason=reason,
    )


def approve_sample(seller: User, request_id: int) -> SampleRequest:
    """Send the sample: a free order to the creator, shipped by the seller like any other."""
    sample = _store_request(seller, request_id)
    _check_move(sample, SampleStatus.APPROVED)
    _send(sample, seller, None, "")
    return sample


def _send(
    sample: SampleRequest, seller: User | None, rule: SampleRule | None, currency: str
) -> None:
    """Place the free order and approve the request, by the seller or by ``rule``."""
    address = db.session.get(Address, sample.address_id)
    assert address is not None  # a required foreign key; addresses are never deleted
    try:
        order = place_complimentary_order(
            recipient_id=sample.creator_id,
            variant_id=sample.variant_id,
            address=address,
            note=sample.note,
            actor_id=seller.id if seller is not None else None,
        )
    except OutOfStock as error:
        if error.available <= 0:
            problem = f"{error.title} is out of stock: restock it, then approve again."
        else:
            problem = f"{error.title} is not on sale right now: put it on sale, then approve."
        raise SampleOutOfStock(f"{problem} The request still waits for your answer.") from None
    unit_cost = db.session.scalar(select(Variant.cost_price).where(Variant.id == sample.variant_id))
    sample.order_id = order.id
    sample.unit_cost = unit_cost
    if rule is None:
        assert seller is not None
        _decide(sample, SampleStatus.APPROVED, seller)
        _audit(sample, seller, "approve", f"order #{order.id}")
    else:
        SAMPLE_STATES.move(sample, SampleStatus.APPROVED)
        sample.decided_at = utcnow()
        sample.decided_by = None
        sample.approved_rule_id = rule.id
        sample.approved_by_rule = rules.describe(rule, currency)[:300]
        audit.record(
            actor_id=None,
            action="sample.approve_by_rule",
            subject_type="sample_request",
            subject_id=sample.id,
            from_state=SampleStatus.REQUESTED.value,
            to_state=sample.status,
            reason=f"{sample.approved_by_rule}; order #{order.id}",
        )
    db.session.flush()


def set_shipping_cost(seller: User, request_id: int, amount: int) -> SampleRequest:
    """Record what shipping an approved sample cost (minor units, the store's currency)."""
    sample = _store_request(seller, request_id)
    if sample.status != SampleStatus.APPROVED.value:
        raise InvalidSampleRequest("Only an approved sample has a shipping cost.", field="amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= 10**9:
        raise InvalidSampleRequest("Enter a shipping cost of zero or more.", field="amount")
    sample.shipping_cost = amount
    audit.record(
        actor_id=seller.id,
        action="sample.shipping_cost",
        subject_type="sample_request",
        subject_id=sample.id,
        to_state=str(amount),
    )
    db.session.flush()
    return sample


def decline_sample(seller: User, request_id: int, reason: str) -> SampleRequest:
    """Say no, and why (the creator reads it)."""
    sample = _store_request(seller, request_id)
    _check_move(sample, SampleStatus.DECLINED)
    reason = _clean(reason, "reason", DECLINE_REASON_MIN, DECLINE_REASON_MAX, "reason")
    sample.decline_reason = reason
    _decide(sample, SampleStatus.DECLINED, seller)
    _audit(sample, seller, "decline", reason)
    db.session.flush()
    return sample
