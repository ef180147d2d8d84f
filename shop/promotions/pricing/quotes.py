"""What pricing a cart answers: each line with its offer and voucher share, each store's order
with its voucher (or why a code cannot apply) and totals, and the cart's totals per currency.
``shop.promotions.pricing.price_cart`` builds them; pages and checkout read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from shop.catalog.models import Store
from shop.orders.cart import LineView
from shop.promotions.models import Voucher
from shop.promotions.pricing.rules import Offer

DISCOUNT = "discount"
FLASH_DEAL = "flash_deal"
LIVE_DEAL = "live_deal"


class Refusal(StrEnum):
    UNKNOWN = "unknown"
    OTHER_STORE = "other_store"
    NOT_STARTED = "not_started"
    ENDED = "ended"
    NOT_FOR_THESE = "not_for_these_products"
    MIN_SPEND = "min_spend"
    USED_UP = "used_up"
    USED_BY_YOU = "used_by_you"
    NOTHING_OFF = "nothing_off"


@dataclass(frozen=True)
class VoucherRefusal:
    """Why a code cannot apply to a store's order; ``message`` is for the buyer."""

    code: str
    reason: Refusal
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class PricedLine:
    """One cart line with its offer and its share of the store's voucher."""

    view: LineView
    offer: Offer | None = None
    product_discount: int = 0
    voucher_discount: int = 0
    note: str | None = None  # e.g. why a flash deal does not apply to this quantity

    @property
    def line_id(self) -> int:
        return self.view.line.id

    @property
    def quantity(self) -> int:
        return self.view.line.quantity

    @property
    def list_price(self) -> int:
        return self.view.variant.price

    @property
    def unit_price(self) -> int:
        """The unit price after the product offer (before the voucher)."""
        return self.offer.unit_price if self.offer else self.list_price

    @property
    def list_amount(self) -> int:
        return self.list_price * self.quantity

    @property
    def offer_amount(self) -> int:
        """What the line comes to after its product offer, before the voucher."""
        return self.list_amount - self.product_discount

    @property
    def discount(self) -> int:
        return self.product_discount + self.voucher_discount

    @property
    def amount(self) -> int:
        """What the buyer pays for the line."""
        return self.list_amount - self.discount

    @property
    def product_discount_id(self) -> int | None:
        return self.offer.promotion_id if self.offer and self.offer.kind == DISCOUNT else None

    @property
    def flash_deal_id(self) -> int | None:
        return self.offer.promotion_id if self.offer and self.offer.kind == FLASH_DEAL else None

    @property
    def live_deal_id(self) -> int | None:
        return self.offer.promotion_id if self.offer and self.offer.kind == LIVE_DEAL else None

    @property
    def takes_voucher(self) -> bool:
        """A line at a live deal's price takes no share of a voucher (``rules``' precedence)."""
        return self.live_deal_id is None


@dataclass(frozen=True)
class VoucherQuote:
    """A voucher and what it takes off one store's order, over which lines."""

    voucher: Voucher
    amount: int
    line_ids: tuple[int, ...]
    terms: str

    @property
    def code(self) -> str:
        return self.voucher.code


@dataclass
class StorePricing:
    """One store's lines (one order): product offers, the voucher, totals before and after."""

    store: Store
    lines: list[PricedLine]
    code: str | None = None  # the code the buyer entered for this store, normalised
    voucher: VoucherQuote | None = None  # the voucher applied
    refusal: VoucherRefusal | None = None  # why the code entered cannot apply
    suggestion: VoucherQuote | None = None  # the best public voucher, if it saves more

    @property
    def currency(self) -> str:
        return self.store.currency

    @property
    def subtotal(self) -> int:
        """The lines at list price: the total before any discount."""
        return sum(line.list_amount for line in self.lines)

    @property
    def product_discount(self) -> int:
        return sum(line.product_discount for line in self.lines)

    @property
    def voucher_discount(self) -> int:
        return self.voucher.amount if self.voucher else 0

    @property
    def discount(self) -> int:
        return self.product_discount + self.voucher_discount

    @property
    def total(self) -> int:
        return self.subtotal - self.discount


@dataclass
class CartPricing:
    stores: list[StorePricing] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lines = {line.line_id: line for store in self.stores for line in store.lines}
        self._stores = {store.store.id: store for store in self.stores}

    def line(self, line_id: int) -> PricedLine | None:
        return self._lines.get(line_id)

    def store(self, store_id: int) -> StorePricing | None:
        return self._stores.get(store_id)

    def line_discount(self, line_id: int) -> int:
        line = self._lines.get(line_id)
        return line.discount if line else 0

    def voucher_code(self, store_id: int) -> str | None:
        store = self._stores.get(store_id)
        return store.voucher.code if store and store.voucher else None

    def for_currency(self, currency: str) -> list[StorePricing]:
        return [store for store in self.stores if store.currency == currency]

    def subtotal(self, currency: str) -> int:
        return sum(store.subtotal for store in self.for_currency(currency))

    def discount(self, currency: str) -> int:
        return sum(store.discount for store in self.for_currency(currency))

    def total(self, currency: str) -> int:
        return sum(store.total for store in self.for_currency(currency))

    def totals(self) -> dict[str, tuple[int, int]]:
        """Per currency: (before discounts, after), in a stable order."""
        currencies = sorted({store.currency for store in self.stores})
        return {c: (self.subtotal(c), self.total(c)) for c in currencies}

    def savings(self) -> dict[str, tuple[int, int, int]]:
        """Per currency: (before discounts, after, saved), in a stable order."""
        return {c: (before, after, before - after) for c, (before, after) in self.totals().items()}

    @property
    def refusals(self) -> list[VoucherRefusal]:
        return [store.refusal for store in self.stores if store.refusal is not None]
