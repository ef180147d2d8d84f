"""Live deals: a deal price on one variant for the viewers of one live, and what orders took.

Like every promotion (``shop.promotions.models``), a live deal runs over a window and may be
ended early; it also waits until its content opens. Money is in minor units.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    and_,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import ColumnElement

from core.extensions import db
from core.types import UTCDateTime, utcnow
from shop.promotions.models import PromotionState, WindowMixin, aware


class LiveDeal(WindowMixin, db.Model):
    """A deal price on one variant for the viewers of one piece of creator content (a live).

    The shop knows the content only as the attribution a cart line carries (``content_type``,
    ``content_id``: opaque here, like on cart and order lines), so the deal applies to a line
    only when the line was added from that content. It runs inside its window, once its
    content has opened (``opened_at``: the live went on air; the affiliate side says so), until
    its end or an early end (the live ended). ``sold`` moves only through a guarded UPDATE
    (``sold + q <= quantity``), so the deal is never oversold. Precedence over the store's
    other promotions: ``shop.promotions.pricing.rules``.
    """

    __tablename__ = "live_deal"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    variant_id: Mapped[int] = mapped_column(ForeignKey("variant.id", ondelete="CASCADE"))
    # Whose content it is (the creator earns on it), and the content, as attribution names it.
    creator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    content_type: Mapped[str] = mapped_column(String(20))
    content_id: Mapped[int] = mapped_column(Integer)
    deal_price: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    sold: Mapped[int] = mapped_column(Integer, default=0)
    per_buyer_limit: Mapped[int] = mapped_column(Integer, default=1)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        CheckConstraint("deal_price > 0", name="deal_price_positive"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("sold >= 0 AND sold <= quantity", name="never_oversold"),
        CheckConstraint(
            "per_buyer_limit > 0 AND per_buyer_limit <= quantity", name="per_buyer_limit_valid"
        ),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_live_deal_content", "content_type", "content_id", "ends_at"),
        Index("ix_live_deal_variant_window", "variant_id", "ends_at"),
        Index("ix_live_deal_store_window", "store_id", "ends_at"),
    )

    def state_at(self, now: datetime | None = None) -> PromotionState:
        """As any promotion's, except that it waits (scheduled) until its content opens."""
        now = now or utcnow()
        state = super().state_at(now)
        if state is PromotionState.RUNNING and (
            self.opened_at is None or aware(self.opened_at) > now
        ):
            return PromotionState.SCHEDULED
        return state

    @classmethod
    def running_at(cls, now: datetime) -> ColumnElement[bool]:
        return and_(super().running_at(now), cls.opened_at.is_not(None), cls.opened_at <= now)

    @property
    def left(self) -> int:
        return max(self.quantity - self.sold, 0)


class LiveDealPurchase(db.Model):
    """Units of a live deal taken by an order (for the per-buyer limit and releases)."""

    __tablename__ = "live_deal_purchase"

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("live_deal.id", ondelete="RESTRICT"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="RESTRICT"))
    quantity: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        UniqueConstraint("deal_id", "order_id"),
        Index("ix_live_deal_purchase_deal_buyer", "deal_id", "buyer_id"),
    )
