"""The cart: a guest's (by a random token kept in the session) or a signed-in buyer's.

Rules: a quantity is a whole number from 1 to ``MAX_QUANTITY`` and never above the variant's
stock; only active variants of active products go in; a guest cart merges into the account
cart on sign-in; a line added from a creator's content carries that attribution, and the
last attributed add wins. Lines whose product has since been archived (or whose stock ran
out) stay in the cart, shown as unavailable and left out of checkout.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.util import identity_key

from core.extensions import db
from core.types import utcnow
from shop import signals
from shop.catalog.models import Product, Store, Variant
from shop.orders.exceptions import InvalidQuantity, LineNotFound, NotAvailable, NotEnoughStock
from shop.orders.models import Cart, CartLine

MAX_QUANTITY = 99


@dataclass(frozen=True)
class Attribution:
    """The creator content an item was added from (set only from a server-side source)."""

    creator_id: int
    content_type: str
    content_id: int
    at: datetime | None = None


# ---------------------------------------------------------------------------- finding carts


def new_cart_token() -> str:
    return secrets.token_urlsafe(32)


def find_cart(*, user_id: int | None = None, token: str | None = None) -> Cart | None:
    """The buyer's cart (by ``user_id``) or the guest's (by ``token``), if there is one."""
    if user_id is not None:
        return db.session.scalar(select(Cart).where(Cart.user_id == user_id))
    if token:
        return db.session.scalar(select(Cart).where(Cart.token == token, Cart.user_id.is_(None)))
    return None


def get_or_create_cart(*, user_id: int | None = None, token: str | None = None) -> Cart:
    """The buyer's or guest's cart, created (and flushed) if it does not exist yet."""
    if (user_id is None) == (token is None):
        raise ValueError("a cart belongs to a user or to a guest token, exactly one")
    cart = find_cart(user_id=user_id, token=token)
    if cart is None:
        cart = Cart(user_id=user_id, token=None if user_id is not None else token)
        db.session.add(cart)
        db.session.flush()
    return cart


def item_count_of_user(user_id: int) -> ColumnElement[int]:
    """The user's cart item count as a scalar subquery (read with the page header's counts)."""
    return (
        select(func.coalesce(func.sum(CartLine.quantity), 0))
        .join(Cart, Cart.id == CartLine.cart_id)
        .where(Cart.user_id == user_id)
        .scalar_subquery()
    )


def owner_of_line(session: Session, read: Callable[[str], Any]) -> int | None:
    """The user whose cart holds a cart line (0: a guest's cart; None: its cart is not in the
    session), for the identity cache's header counts; never asks the database."""
    cart_id = read("cart_id")
    if not isinstance(cart_id, int):
        return None
    cart = session.identity_map.get(identity_key(Cart, cart_id))
    if not isinstance(cart, Cart):
        return None
    return cart.user_id or 0


def item_count(*, user_id: int | None = None, token: str | None = None) -> int:
    """How many items the cart holds, in one query (none at all for a guest without a cart)."""
    if user_id is None and not token:
        return 0
    owner = Cart.user_id == user_id if user_id is not None else Cart.token == token
    query = (
        select(func.coalesce(func.sum(CartLine.quantity), 0))
        .join(Cart, Cart.id == CartLine.cart_id)
        .where(owner)
    )
    return int(db.session.scalar(query) or 0)


# ---------------------------------------------------------------------------- changing lines


def _check_quantity(quantity: object) -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise InvalidQuantity(MAX_QUANTITY)
    if not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidQuantity(MAX_QUANTITY)
    return quantity


def is_purchasable(variant: Variant) -> bool:
    return variant.active and variant.product.is_active


def _label(variant: Variant) -> str:
    title = variant.product.title
    return title if variant.name == "Default" else f"{title} ({variant.name})"


def _check_stock(variant: Variant, quantity: int) -> None:
    if not is_purchasable(variant):
        raise NotAvailable(variant.product.title)
    if quantity > variant.stock:
        raise NotEnoughStock(_label(variant), variant.stock)


def _line_for(cart: Cart, variant_id: int) -> CartLine | None:
    return db.session.scalar(
        select(CartLine).where(CartLine.cart_id == cart.id, CartLine.variant_id == variant_id)
    )


def _attribute(line: CartLine, attribution: Attribution) -> None:
    line.creator_id = attribution.creator_id
    line.content_type = attribution.content_type
    line.content_id = attribution.content_id
    line.attributed_at = attribution.at or utcnow()


def add_to_cart(
    cart: Cart, variant: Variant, quantity: int, attribution: Attribution | None = None
) -> CartLine:
    """Add ``quantity`` of ``variant``; raise a ``CartError`` (and write nothing) if it can't.

    Adding a variant that is already in the cart raises that line's quantity; the total must
    still be within stock and ``MAX_QUANTITY``. An attributed add overwrites the line's
    attribution (last touch wins); an unattributed add keeps it. Every add is announced
    (``signals.cart_line_added``), with the attribution it came with.
    """
    quantity = _check_quantity(quantity)
    line = _line_for(cart, variant.id)
    total = quantity + (line.quantity if line else 0)
    if total > MAX_QUANTITY:
        raise InvalidQuantity(MAX_QUANTITY)
    _check_stock(variant, total)
    if line is None:
        line = CartLine(cart_id=cart.id, variant_id=variant.id, quantity=total)
        line.variant = variant
        db.session.add(line)
    else:
        line.quantity = total
    if attribution is not None:
        _attribute(line, attribution)
    cart.updated_at = utcnow()
    db.session.flush()
    signals.cart_line_added.send(line, attribution=attribution, quantity=quantity)
    return line


def get_line(cart: Cart | None, line_id: int) -> CartLine:
    """A line of this cart, or ``LineNotFound``: another cart's line is as good as missing."""
    line = db.session.get(CartLine, line_id) if cart is not None and 0 < line_id < 2**63 else None
    if line is None or cart is None or line.cart_id != cart.id:
        raise LineNotFound(line_id)
    return line


def set_quantity(cart: Cart | None, line_id: int, quantity: int) -> CartLine:
    line = get_line(cart, line_id)
    quantity = _check_quantity(quantity)
    _check_stock(line.variant, quantity)
    line.quantity = quantity
    db.session.flush()
    return line


def remove_line(cart: Cart | None, line_id: int) -> None:
    line = get_line(cart, line_id)
    db.session.delete(line)
    db.session.flush()


def merge_guest_cart(token: str, user_id: int) -> Cart | None:
    """Move a guest cart's lines into the user's cart and delete the guest cart.

    Quantities of the same variant add up, capped at stock and ``MAX_QUANTITY`` (a line whose
    variant is sold out keeps the larger of the two, to show as unavailable); the more recent
    attribution wins. Returns the user's cart, or None if there was no guest cart.
    """
    guest = find_cart(token=token)
    if guest is None:
        return None
    target = get_or_create_cart(user_id=user_id)
    existing = {line.variant_id: line for line in target.lines}
    for line in list(guest.lines):
        mine = existing.get(line.variant_id)
        if mine is None:
            db.session.add(
                CartLine(
                    cart_id=target.id,
                    variant_id=line.variant_id,
                    quantity=line.quantity,
                    added_at=line.added_at,
                    creator_id=line.creator_id,
                    content_type=line.content_type,
                    content_id=line.content_id,
                    attributed_at=line.attributed_at,
                )
            )
            continue
        stock = line.variant.stock
        combined = min(mine.quantity + line.quantity, MAX_QUANTITY)
        # Cap at what can be bought; a sold-out line keeps a quantity, to show as sold out.
        mine.quantity = min(combined, stock) if stock > 0 else max(mine.quantity, line.quantity)
        if line.attributed_at and (
            mine.attributed_at is None or line.attributed_at > mine.attributed_at
        ):
            mine.creator_id = line.creator_id
            mine.content_type = line.content_type
            mine.content_id = line.content_id
            mine.attributed_at = line.attributed_at
    db.session.delete(guest)  # its lines go with it
    target.updated_at = utcnow()
    db.session.flush()
    db.session.expire(target, ["lines"])
    return target


def remove_lines(cart: Cart, line_ids: list[int]) -> None:
    """Drop the given lines (bought at checkout) from the cart."""
    if line_ids:
        db.session.execute(
            delete(CartLine).where(CartLine.cart_id == cart.id, CartLine.id.in_(line_ids))
        )
        db.session.expire(cart, ["lines"])


# ---------------------------------------------------------------------------- reading the cart


class Priced(Protocol):
    """What the fingerprint reads of a cart's pricing (``shop.promotions.pricing.cart``)."""

    def line_discount(self, line_id: int) -> int: ...

    def voucher_code(self, store_id: int) -> str | None: ...


@dataclass
class LineView:
    line: CartLine
    variant: Variant
    product: Product
    available: bool
    problem: str | None

    @property
    def amount(self) -> int:
        return self.variant.price * self.line.quantity

    @property
    def max_quantity(self) -> int:
        return max(1, min(MAX_QUANTITY, self.variant.stock))


@dataclass
class StoreGroup:
    store: Store
    lines: list[LineView] = field(default_factory=list)

    @property
    def currency(self) -> str:
        return self.store.currency

    @property
    def available_lines(self) -> list[LineView]:
        return [line for line in self.lines if line.available]

    @property
    def subtotal(self) -> int:
        return sum(line.amount for line in self.available_lines)

    @property
    def item_count(self) -> int:
        return sum(line.line.quantity for line in self.available_lines)


@dataclass
class CartSummary:
    groups: list[StoreGroup]

    def fingerprint(self, currency: str, pricing: Priced | None = None) -> str:
        """What checkout in ``currency`` would buy (lines, quantities, prices), as a digest.

        The review page sends it back with the order, so that a cart or a price that changed
        in between is reviewed again instead of bought unseen. With ``pricing`` (the
        promotions priced for the buyer), each discounted line's amount and each store's
        voucher count too: a discount that ended in between is also reviewed again. Without
        any discount the digest is the same with or without ``pricing``.
        """
        parts = []
        for group in self.for_currency(currency):
            for v in group.available_lines:
                part = f"{v.line.id}:{v.variant.id}:{v.line.quantity}:{v.variant.price}"
                discount = pricing.line_discount(v.line.id) if pricing is not None else 0
                parts.append(f"{part}:-{discount}" if discount else part)
            voucher = pricing.voucher_code(group.store.id) if pricing is not None else None
            if voucher:
                parts.append(f"voucher:{group.store.id}:{voucher}")
        return hashlib.sha256(f"{currency}|{','.join(sorted(parts))}".encode()).hexdigest()[:32]

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def lines(self) -> list[LineView]:
        return [line for group in self.groups for line in group.lines]

    @property
    def currencies(self) -> list[str]:
        """Currencies of the lines that can be bought, in a stable order."""
        return sorted({g.currency for g in self.groups if g.available_lines})

    @property
    def has_unavailable(self) -> bool:
        return any(not line.available for line in self.lines)

    def totals(self) -> dict[str, int]:
        """What the available lines cost, per currency."""
        totals: dict[str, int] = defaultdict(int)
        for group in self.groups:
            if group.available_lines:
                totals[group.currency] += group.subtotal
        return dict(sorted(totals.items()))

    def for_currency(self, currency: str) -> list[StoreGroup]:
        return [g for g in self.groups if g.currency == currency and g.available_lines]


def _problem(variant: Variant, quantity: int) -> str | None:
    if not is_purchasable(variant):
        return "No longer available"
    if variant.stock <= 0:
        return "Sold out"
    if quantity > variant.stock:
        return f"Only {variant.stock} left: lower the quantity"
    return None


def summarise(cart: Cart | None) -> CartSummary:
    """The cart's lines grouped per store (in the order stores were first added), with totals."""
    if cart is None:
        return CartSummary(groups=[])
    lines = db.session.scalars(
        select(CartLine)
        .where(CartLine.cart_id == cart.id)
        .options(joinedload(CartLine.variant).joinedload(Variant.product))
        .order_by(CartLine.id)
    ).unique()
    groups: dict[int, StoreGroup] = {}
    for line in lines:
        variant = line.variant
        product = variant.product
        # Sold-out and withdrawn lines are left out of checkout; a quantity above what is left
        # stays in, so that checkout says how many remain rather than dropping it silently.
        available = is_purchasable(variant) and variant.stock > 0
        group = groups.setdefault(product.store_id, StoreGroup(store=product.store))
        group.lines.append(
            LineView(line, variant, product, available, _problem(variant, line.quantity))
        )
    return CartSummary(groups=list(groups.values()))
