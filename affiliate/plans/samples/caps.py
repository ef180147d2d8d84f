"""The seller's cap on a product's free samples, and the protocol that keeps it.

The cap protocol: lock the product's ``SamplePolicy`` row (``FOR UPDATE`` on PostgreSQL; SQLite
serialises writers anyway), count the product's requested and approved requests, insert. Two
creators racing for the last sample queue on that row, and the second one counts the first
one's request. No policy row: unlimited, nothing to lock. ``services.request_sample`` runs it;
the caller commits.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from affiliate.plans.exceptions import NotFound
from affiliate.plans.samples.exceptions import InvalidSampleRequest, SampleCapReached
from affiliate.plans.samples.models import SAMPLE_COUNTED_STATUSES, SamplePolicy, SampleRequest
from core.accounts.models import User
from core.audit import services as audit
from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Product

MAX_CAP = 10_000
_MAX_KEY = 2**63 - 1


def lock_policy(product_id: int) -> SamplePolicy | None:
    """The product's cap, locked until the commit (None: no cap, nothing locked)."""
    return db.session.scalar(
        select(SamplePolicy)
        .where(SamplePolicy.product_id == product_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def counted_requests(product_id: int) -> int:
    """The product's requests that count against its cap: waiting or approved."""
    query = select(func.count(SampleRequest.id)).where(
        SampleRequest.product_id == product_id,
        SampleRequest.status.in_(SAMPLE_COUNTED_STATUSES),
    )
    return db.session.scalar(query) or 0


def check_room(policy: SamplePolicy | None, product: Product) -> None:
    """Refuse a new request if the product's cap (``policy``, locked) is used up or zero."""
    if policy is not None:
        if policy.max_requests == 0:
            raise SampleCapReached(f"The seller does not offer samples of “{product.title}”.")
        if counted_requests(product.id) >= policy.max_requests:
            cap = policy.max_requests
            raise SampleCapReached(
                f"The seller's cap of {cap} sample request{'s' if cap != 1 else ''} for "
                f"“{product.title}” is used up; they accept no more for now."
            )


def set_sample_cap(seller: User, product_id: int, max_requests: int | None) -> SamplePolicy | None:
    """Cap the product's sample requests (0: no samples), or lift the cap (``None``).

    The cap counts requests waiting or approved; lowering it below that number refuses new
    requests and leaves the existing ones as they are.
    """
    product = db.session.get(Product, product_id) if 0 < product_id <= _MAX_KEY else None
    if product is None or product.store.owner_id != seller.id:
        raise NotFound("That product is not one of your store's.")
    if max_requests is not None and (
        isinstance(max_requests, bool)
        or not isinstance(max_requests, int)
        or not 0 <= max_requests <= MAX_CAP
    ):
        raise InvalidSampleRequest(
            f"A cap is a whole number from 0 (no samples) to {MAX_CAP}.", field="max_requests"
        )
    policy = lock_policy(product.id)
    if max_requests is None:
        if policy is not None:
            db.session.delete(policy)
    elif policy is not None:
        policy.max_requests = max_requests
        policy.updated_at = utcnow()
    else:
        policy = SamplePolicy(product_id=product.id, max_requests=max_requests, updated_at=utcnow())
        try:
            with db.session.begin_nested():
                db.session.add(policy)
                db.session.flush()
        except IntegrityError:  # set at the same moment elsewhere: this answer wins
            policy = lock_policy(product.id)
            assert policy is not None
            policy.max_requests = max_requests
            policy.updated_at = utcnow()
    audit.record(
        actor_id=seller.id,
        action="sample.cap",
        subject_type="product",
        subject_id=product.id,
        to_state="unlimited" if max_requests is None else str(max_requests),
    )
    db.session.flush()
    return None if max_requests is None else policy
