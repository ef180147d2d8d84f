"""The pure arithmetic of promotions, shared by the catalogue's display and checkout's pricing.

Whatever a product card shows and whatever checkout charges come from these functions, so the
two can never disagree. Everything is integer minor units; percentages are basis points and
round half-up to the cent.

Precedence, per cart line:

1. a **live deal** (``live_deal_models.LiveDeal``) on the line's variant, when the line was
   added from the deal's content (a creator's live) and the deal runs, has the units and keeps
   the buyer within its per-buyer limit: its price is the line's price, whatever the store's
   other promotions would give (even a lower one), and the store's voucher does not apply to
   the line (the voucher's minimum spend and amount are measured on the other lines); the
   seller priced the deal for that audience;
2. otherwise the **best product offer** for the buyer (``best_offer``): a running product
   discount or flash deal;
3. then the store's **voucher** over its eligible lines (``voucher_amount``, ``allocate``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.money import percent_of

MIN_UNIT_PRICE = 1  # a discounted price never goes below one cent


@dataclass(frozen=True)
class Offer:
    """A price reduction a product discount or a flash deal offers on one unit."""

    kind: str  # "discount", "flash_deal" or "live_deal"
    promotion_id: int
    unit_price: int  # the price per unit after this offer

    def saving(self, list_price: int) -> int:
        return list_price - self.unit_price


def discounted_price(
    list_price: int, *, percent_bps: int | None = None, amount_off: int | None = None
) -> int:
    """A unit's price after a percentage or an amount off, never below one cent."""
    if percent_bps is not None:
        off = percent_of(list_price, percent_bps)
    elif amount_off is not None:
        off = amount_off
    else:
        raise ValueError("a discount is a percentage or an amount off")
    return max(list_price - off, MIN_UNIT_PRICE)


def best_offer(list_price: int, offers: Sequence[Offer]) -> Offer | None:
    """The offer that saves the buyer most (ties: the lower promotion id); None if none saves."""
    useful = [offer for offer in offers if offer.unit_price < list_price]
    if not useful:
        return None
    return min(useful, key=lambda offer: (offer.unit_price, offer.kind, offer.promotion_id))


def line_offer(list_price: int, live: Offer | None, offers: Sequence[Offer]) -> Offer | None:
    """The line's offer by the precedence above: the live deal when it applies, else the best."""
    if live is not None and live.unit_price < list_price:
        return live
    return best_offer(list_price, offers)


def voucher_amount(
    eligible: int,
    *,
    percent_bps: int | None = None,
    cap_amount: int | None = None,
    amount_off: int | None = None,
) -> int:
    """What a voucher takes off an order whose eligible lines come to ``eligible``: never more
    than ``eligible`` (a fixed voucher larger than the order makes the lines free)."""
    if eligible <= 0:
        return 0
    if percent_bps is not None:
        off = percent_of(eligible, percent_bps)
        if cap_amount is not None:
            off = min(off, cap_amount)
    elif amount_off is not None:
        off = amount_off
    else:
        raise ValueError("a voucher is a percentage or an amount off")
    return min(off, eligible)


def allocate(total: int, amounts: Sequence[int]) -> list[int]:
    """Split ``total`` over lines in proportion to ``amounts``, in whole cents, summing exactly.

    Largest remainder: each line gets the floor of its share, and the cents left over go to the
    lines with the largest remainders (ties: the earlier line). No line gets more than its
    amount.
    """
    if total < 0 or any(amount < 0 for amount in amounts):
        raise ValueError("amounts to allocate are not negative")
    whole = sum(amounts)
    if total > whole:
        raise ValueError("cannot allocate more than the lines come to")
    if total == 0 or whole == 0:
        return [0] * len(amounts)
    shares = [total * amount // whole for amount in amounts]
    remainders = [total * amount % whole for amount in amounts]
    left = total - sum(shares)
    order = sorted(range(len(amounts)), key=lambda i: (-remainders[i], i))
    for index in order:
        if left == 0:
            break
        if shares[index] < amounts[index]:
            shares[index] += 1
            left -= 1
    return shares
