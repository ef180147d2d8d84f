"""Demo payouts (``flask demo seed``): money to withdraw and a Finance centre with something in it.

- Cleo (creator@example.com) gets a settled balance of at least ``CLEO_TARGET`` the way a
  creator earns one: a demo fan buys through her video (cart attribution as a yellow-cart tap
  leaves it), pays, the order is shipped, delivered and completed past its return window, and
  the commissions service settles the commission into her available balance. She connects no
  payout account: connecting the simulated one is the first step of the demo walk-through.
- Pia and Noah earn the same way and withdraw through the real services: one withdrawal paid,
  one waiting in the review queue, one rejected with a reason, one failed (Noah's simulated
  bank account ends in 0002, which the simulated provider declines) with its money returned.
- Two finance officers: finance@example.com (from the demo accounts) and finance2@example.com,
  so that a withdrawal above the four-eyes threshold can get its second approval.

Idempotent: balances are topped up on the first run only (and only below their target), and
the withdrawals have fixed request tokens, so running it again changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

import demo.plans  # noqa: F401

# The seeders whose data this builds on must register (and so run) first.
from affiliate.creators.content.models import Content, ContentProduct, ContentStatus
from affiliate.payouts import payout_accounts, services
from affiliate.payouts.exceptions import PayoutError
from affiliate.payouts.models import Withdrawal, WithdrawalStatus
from affiliate.payouts.providers import BankDetails, SimulatedPayoutProvider
from affiliate.payouts.rules import default_currency, money_text
from affiliate.plans.commission.rule import applicable_rate
from core.accounts import services as accounts
from core.accounts.models import Role, User
from core.extensions import db
from core.ledger.models import AccountKind
from core.ledger.services import owner_balances
from core.types import utcnow
from demo.accounts import DEMO_PASSWORD
from shop.catalog.models import Variant
from shop.orders import cart as carts
from shop.orders import lifecycle
from shop.orders.cart import Attribution
from shop.orders.checkout import services as checkout
from shop.payments import services as payments

CLEO = "creator@example.com"
CLEO_TARGET = 12_500  # $125.00: enough to withdraw $100 and see some left
FAN = ("fan@example.com", "Fran Fan")
SECOND_OFFICER = ("finance2@example.com", "Finley Second")
# (creator email, simulated account number, balance wanted, withdrawals: (token, amount, end))
DEMO_WITHDRAWALS = (
    (
        "pia@example.com",
        "000123454242",
        3_000,
        (  # the rejected one first: its money comes back before the others are held
            ("demo-pia-withdrawal-rejected", 1_000, "rejected"),
            ("demo-pia-withdrawal-paid", 1_500, "paid"),
            ("demo-pia-withdrawal-waiting", 1_200, "requested"),
        ),
    ),
    (
        "noah@example.com",
        "000987650002",
        1_500,
        (("demo-noah-withdrawal-failed", 1_500, "failed"),),
    ),
)
REJECT_REASON = "Please confirm your payout details with support first."
STOCK_LEFT_ALONE = 5  # the fan never buys the last few of a variant
MAX_UNITS = 8  # per order
MAX_ORDERS = 20  # per creator and run


def _user(email: str, name: str, role: Role) -> User:
    user = accounts.find_by_email(email)
    if user is None:
        user = accounts.register_user(
            email=email, password=DEMO_PASSWORD, verified=True, display_name=name, roles={role}
        )
    accounts.grant_role(user, role, by=None)
    return user


def demo_fan() -> User:
    fan = _user(*FAN, Role.BUYER)
    if not checkout.addresses_of(fan.id):
        checkout.add_address(
            fan.id,
            full_name=FAN[1],
            line1="7 Follower Lane",
            city="Springfield",
            region="IL",
            postal_code="62701",
            country="US",
        )
    db.session.flush()
    return fan


def _available(creator_id: int) -> int:
    return owner_balances(creator_id, default_currency()).get(AccountKind.CREATOR_AVAILABLE, 0)


def _earning_products(creator_id: int) -> list[tuple[Content, int, int]]:
    """The creator's published content, each product in its yellow cart and what one unit of
    it earns the creator now; best earner first."""
    rows = db.session.execute(
        select(Content, ContentProduct.product_id, Variant.price)
        .join(ContentProduct, ContentProduct.content_id == Content.id)
        .join(Variant, Variant.product_id == ContentProduct.product_id)
        .where(Content.creator_id == creator_id, Content.status == ContentStatus.PUBLISHED.value)
        .order_by(Content.id, ContentProduct.position, Variant.id)
    )
    best: dict[int, tuple[Content, int, int]] = {}
    for content, product_id, price in rows:
        if product_id in best:
            continue
        rate = applicable_rate(creator_id, product_id)
        if rate is not None:
            best[product_id] = (content, product_id, rate.commission_on(price))
    return sorted(best.values(), key=lambda row: -row[2])


def buy_through(fan: User, content: Content, product_id: int, units_wanted: int) -> bool:
    """The fan taps the product on the content and buys some (never the last few in stock);
    the order then runs its course, dated back as the shop's demo orders are (paid 12 days
    ago, delivered 9 days ago), so the return window has passed and it completes."""
    variant = db.session.scalar(
        select(Variant)
        .where(
            Variant.product_id == product_id,
            Variant.active.is_(True),
            Variant.stock > STOCK_LEFT_ALONE,
        )
        .order_by(Variant.stock.desc(), Variant.id)
    )
    if variant is None:
        return False
    now = utcnow()
    when = now - timedelta(days=12)
    quantity = max(1, min(units_wanted, variant.stock - STOCK_LEFT_ALONE, MAX_UNITS))
    cart = carts.get_or_create_cart(user_id=fan.id)
    tapped = Attribution(content.creator_id, content.kind, content.id, now - timedelta(minutes=5))
    carts.add_to_cart(cart, variant, quantity, tapped)
    address = checkout.addresses_of(fan.id)[0]
    payment = checkout.place_orders(fan.id, cart, address, provider="test")
    for order in payments.mark_payment_succeeded(payment.id, f"demo-fan-{payment.id}"):
        seller = db.session.get(User, order.store.owner_id)
        lifecycle.ship(order, "UPS", f"1ZFAN{order.id:010d}", seller)
        order.placed_at = order.paid_at = when
        order.shipped_at = when + timedelta(days=1)
        lifecycle.mark_delivered(order, fan, now=when + timedelta(days=3))
    # The return window has passed: the lifecycle job completes it and commissions settle.
    lifecycle.complete_due_orders(now, 7)
    db.session.flush()
    return True


def _top_up(creator: User, target: int) -> int:
    """Orders through the creator's content until their available balance reaches ``target``
    (or the products on it run low); returns how many orders that took."""
    orders = 0
    products = _earning_products(creator.id)
    progress = True
    while progress and orders < MAX_ORDERS:
        progress = False
        for content, product_id, per_unit in products:
            short = target - _available(creator.id)
            if short <= 0 or per_unit <= 0 or orders >= MAX_ORDERS:
                break
            if buy_through(demo_fan(), content, product_id, -(-short // per_unit)):
                orders += 1
                progress = True
    db.session.commit()
    return orders


def _connect(creator: User, account_number: str) -> None:
    if payout_accounts.payout_account_of(creator.id) is not None:
        return
    payout_accounts.connect_payout_account(
        creator.id,
        bank=BankDetails(creator.display_name, "110000000", account_number),
        provider=SimulatedPayoutProvider(),
    )
    db.session.commit()


def _withdrawal(creator: User, token: str, amount: int, end: str, officer: User) -> bool:
    """Request a withdrawal and take it to ``end`` through the services (once)."""
    if db.session.scalar(select(Withdrawal.id).where(Withdrawal.request_token == token)):
        return False
    w = services.request_withdrawal(creator.id, amount, request_token=token)
    db.session.commit()
    if end == "rejected":
        services.reject(w.id, officer, REJECT_REASON)
    elif end in ("paid", "failed"):
        services.approve(w.id, officer)  # the payout job runs once this commits
    db.session.commit()
    return True


def seed_payouts() -> str:
    """Cleo's settled balance, other creators' withdrawals in each state, two officers."""
    officer = _user("finance@example.com", "Fin Officer", Role.FINANCE)
    _user(*SECOND_OFFICER, Role.FINANCE)
    db.session.commit()
    # Balances are topped up on the first run only: after that, Cleo's balance is hers to spend.
    first_run = not db.session.scalar(
        select(Withdrawal.id).where(Withdrawal.request_token.like("demo-%")).limit(1)
    )
    cleo = accounts.find_by_email(CLEO)
    orders = 0
    if first_run and cleo is not None and cleo.has_role(Role.CREATOR):
        orders += _top_up(cleo, CLEO_TARGET)
    made = 0
    for email, account_number, balance, withdrawals in DEMO_WITHDRAWALS:
        creator = accounts.find_by_email(email)
        if creator is None or not creator.has_role(Role.CREATOR):
            continue
        if first_run:
            orders += _top_up(creator, balance)
        _connect(creator, account_number)
        for token, amount, end in withdrawals:
            try:
                made += _withdrawal(creator, token, amount, end, officer)
            except PayoutError:  # not enough earned this time: the demo goes without it
                db.session.rollback()
    waiting = db.session.scalar(
        select(Withdrawal.id).where(Withdrawal.status == WithdrawalStatus.REQUESTED.value)
    )
    cleo_balance = _available(cleo.id) if cleo else 0
    return (
        f"demo payouts ready ({orders} demo orders settled, {made} withdrawals made, "
        f"{'one' if waiting else 'none'} waiting for review; Cleo has "
        f"{money_text(cleo_balance, default_currency())} to withdraw)"
    )
