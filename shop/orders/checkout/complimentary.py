"""Complimentary orders: goods a seller sends free of charge (a creator's free sample).

A complimentary order is an order like any other once placed: it is shipped with a carrier and
tracking number, delivered and completed through ``shop.orders.lifecycle``. What differs is
the money, of which there is none: the whole subtotal is its discount, so ``total`` is 0; there
is no payment, no ledger entry, and no ``order_paid`` signal (no line was paid, so no
commission). Cancelling one gives the stock back and refunds nothing; a buyer cannot ask for a
refund of it.

Placing one, in the caller's transaction (it flushes, never commits): reserve the stock with
the checkout's guarded ``UPDATE`` (``OutOfStock`` otherwise, and nothing is written), then write
the order straight in ``paid`` (there is nothing to wait for), its one line and a timeline step.
"""

from __future__ import annotations

from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Variant
from shop.orders.cart import LineView
from shop.orders.checkout.models import Address
from shop.orders.checkout.services import reserve_stock
from shop.orders.models import CartLine, Order, OrderEvent, OrderLine, OrderStatus

NOTE_MAX = 500
FREE_SAMPLE_EVENT = "free_sample"


def place_complimentary_order(
    *,
    recipient_id: int,
    variant_id: int,
    address: Address,
    note: str,
    quantity: int = 1,
    actor_id: int | None = None,
) -> Order:
    """Place a paid, zero-total order of ``quantity`` × the variant for ``recipient_id``.

    Raises ``OutOfStock`` (the variant is short of stock, inactive, or its product is off sale)
    with nothing written, and ``ValueError`` for an address that is not the recipient's or a
    quantity below 1. ``note`` goes on the order's timeline; ``actor_id`` is who sent it.
    """
    if address.user_id != recipient_id:
        raise ValueError("the address must be the recipient's")
    if quantity < 1:
        raise ValueError("a complimentary order holds at least one item")
    variant = db.session.get(Variant, variant_id)
    if variant is None:
        raise ValueError(f"there is no variant {variant_id}")
    product = variant.product
    # The checkout's reservation, fed one unsaved cart line: same guard, same OutOfStock.
    reserve_stock(
        LineView(
            line=CartLine(variant_id=variant.id, quantity=quantity),
            variant=variant,
            product=product,
            available=True,
            problem=None,
        )
    )
    db.session.expire(variant, ["stock"])
    now = utcnow()
    value = variant.price * quantity
    order = Order(
        buyer_id=recipient_id,
        store_id=product.store_id,
        payment_id=None,
        status=OrderStatus.PAID.value,
        currency=product.currency,
        subtotal=value,
        discount=value,
        shipping=0,
        total=0,
        ship_to=address.one_line(),
        placed_at=now,
        paid_at=now,
        complimentary=True,
    )
    db.session.add(order)
    db.session.flush()
    db.session.add(
        OrderLine(
            order_id=order.id,
            product_id=product.id,
            variant_id=variant.id,
            title=product.title,
            variant_name=variant.name,
            sku=variant.sku,
            unit_price=variant.price,
            quantity=quantity,
            discount=value,
            product_discount=value,
            amount=0,
        )
    )
    items = f"{quantity} item{'s' if quantity != 1 else ''}"
    text = f"Free sample ({items}, no charge): {(note or '').strip()}"
    db.session.add(
        OrderEvent(
            order_id=order.id,
            kind=FREE_SAMPLE_EVENT,
            note=text[:NOTE_MAX],
            actor_id=actor_id,
            created_at=now,
        )
    )
    db.session.flush()
    return order
