"""Orders that used promotions, written directly (as checkout would leave them), for the seller
side's tests: the lines carry their discounts and the promotions that gave them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.accounts.models import User
from core.extensions import db
from shop.catalog.models import Store, Variant
from shop.orders.models import LineStatus, Order, OrderLine, OrderStatus
from shop.promotions.models import Voucher, VoucherRedemption

PAID_OR_LATER = {
    OrderStatus.PAID,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
    OrderStatus.REFUNDED,
}


@dataclass(frozen=True)
class Line:
    variant: Variant
    quantity: int = 1
    product_discount: int = 0  # the product-level saving on the whole line
    voucher_discount: int = 0  # the line's share of the order's voucher
    discount_id: int | None = None
    flash_deal_id: int | None = None
    status: LineStatus = LineStatus.OPEN


def write_order(
    buyer: User,
    lines: list[Line],
    *,
    placed_at: datetime,
    status: OrderStatus = OrderStatus.PAID,
    voucher: Voucher | None = None,
    redemption_released: bool = False,
) -> Order:
    """One order of the lines' store; paid at ``placed_at`` if its status is paid or later.
    With a voucher, the order carries it and a redemption (released if asked)."""
    store = db.session.get(Store, lines[0].variant.store_id)
    subtotal = sum(line.variant.price * line.quantity for line in lines)
    discount = sum(line.product_discount + line.voucher_discount for line in lines)
    order = Order(
        buyer_id=buyer.id,
        store_id=store.id,
        status=status.value,
        currency=store.currency,
        subtotal=subtotal,
        discount=discount,
        total=subtotal - discount,
        ship_to="Bea Buyer, 1 Main St, Springfield, 12345, US",
        placed_at=placed_at,
        paid_at=placed_at if status in PAID_OR_LATER else None,
        voucher_id=voucher.id if voucher else None,
        voucher_code=voucher.code if voucher else None,
    )
    db.session.add(order)
    db.session.flush()
    for line in lines:
        variant = line.variant
        gross = variant.price * line.quantity
        off = line.product_discount + line.voucher_discount
        db.session.add(
            OrderLine(
                order_id=order.id,
                product_id=variant.product_id,
                variant_id=variant.id,
                title=variant.product.title,
                variant_name=variant.name,
                sku=variant.sku,
                unit_price=variant.price,
                quantity=line.quantity,
                discount=off,
                product_discount=line.product_discount,
                voucher_discount=line.voucher_discount,
                product_discount_id=line.discount_id,
                flash_deal_id=line.flash_deal_id,
                amount=gross - off,
                status=line.status.value,
            )
        )
    if voucher is not None:
        db.session.add(
            VoucherRedemption(
                voucher_id=voucher.id,
                buyer_id=buyer.id,
                order_id=order.id,
                amount=sum(line.voucher_discount for line in lines),
                created_at=placed_at,
                released_at=placed_at if redemption_released else None,
            )
        )
    db.session.commit()
    db.session.refresh(order)
    return order
