"""Creator codes: a seller gives a creator a personal voucher code to share.

A creator code is a private store voucher tied to the creator (``Voucher.creator_id``). Checkout
attributes the lines a creator code covers to that creator, ahead of any content touch, and
the commission of the plan that applies to the creator is earned on them as on any attributed
line (self-use earns nothing: ``commissions``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from affiliate.profiles.exceptions import NotACreator
from affiliate.profiles.models import CreatorProfile
from core.accounts.models import Role, User
from core.extensions import db
from core.notifications.services import notify
from core.types import utcnow
from shop.catalog.models import Store
from shop.orders.models import Order, OrderStatus
from shop.promotions import services as promotions
from shop.promotions.exceptions import PromotionError
from shop.promotions.models import PromotionState, Voucher, VoucherRedemption
from shop.promotions.vouchers import voucher_terms

MAX_DAYS = 365
CODES_LINK = "/creator/codes"
COUNTED = (
    OrderStatus.PAID.value,
    OrderStatus.SHIPPED.value,
    OrderStatus.DELIVERED.value,
    OrderStatus.COMPLETED.value,
)


def give_code(
    store: Store,
    creator: User,
    *,
    code: str,
    percent: str,
    days: int,
    total_uses: int | None = None,
) -> Voucher:
    """Give ``creator`` a personal code for ``percent`` off the store's products for ``days``."""
    if not creator.has_role(Role.CREATOR):
        raise NotACreator("Personal codes are for creators.", field="code")
    if not 1 <= days <= MAX_DAYS:
        raise PromotionError(f"A code runs for 1 to {MAX_DAYS} days.", field="days")
    handle = db.session.scalar(
        select(CreatorProfile.handle).where(CreatorProfile.user_id == creator.id)
    )
    now = utcnow()
    voucher = promotions.create_voucher(
        store,
        code=code,
        name=f"@{handle or creator.display_name}'s code",
        kind="percent",
        value=percent,
        starts_at=now,
        ends_at=now + timedelta(days=days),
        total_uses=total_uses,
        per_buyer_limit=1,
        public=False,
        creator_id=creator.id,
        now=now,
    )
    notify(
        creator.id,
        f"{store.name} gave you a personal code, {voucher.code}: your followers save with it "
        "and you earn commission on what they buy.",
        kind="code.given",
        link=CODES_LINK,
    )
    return voucher


@dataclass(frozen=True)
class CodeRow:
    voucher: Voucher
    store_name: str
    currency: str
    uses: int
    gmv: int

    @property
    def terms(self) -> str:
        return voucher_terms(self.voucher, self.currency)

    @property
    def not_running(self) -> str | None:
        """The code's state when it does not run now (scheduled, ended), else None."""
        state = self.voucher.state
        return None if state is PromotionState.RUNNING else state.value


def codes_of(creator_id: int) -> list[CodeRow]:
    """The creator's codes, newest first, with their uses and the sales they brought."""
    rows = db.session.execute(
        select(
            Voucher,
            Store.name,
            Store.currency,
            func.count(VoucherRedemption.id),
            func.coalesce(func.sum(Order.total), 0),
        )
        .join(Store, Store.id == Voucher.store_id)
        .outerjoin(
            VoucherRedemption,
            (VoucherRedemption.voucher_id == Voucher.id) & VoucherRedemption.released_at.is_(None),
        )
        .outerjoin(
            Order,
            (Order.id == VoucherRedemption.order_id) & Order.status.in_(COUNTED),
        )
        .where(Voucher.creator_id == creator_id)
        .group_by(Voucher.id, Store.name, Store.currency)
        .order_by(Voucher.id.desc())
    ).all()
    return [CodeRow(*row) for row in rows]


@dataclass(frozen=True)
class GivenCode:
    code: str
    terms: str
    state: str


def codes_given_to(store: Store, creator_id: int) -> list[GivenCode]:
    """The codes ``store`` gave the creator, newest first, as the seller reads them."""
    query = (
        select(Voucher)
        .where(Voucher.store_id == store.id, Voucher.creator_id == creator_id)
        .order_by(Voucher.id.desc())
    )
    return [
        GivenCode(v.code, voucher_terms(v, store.currency), v.state.value)
        for v in db.session.scalars(query)
    ]
