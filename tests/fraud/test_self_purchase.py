"""Self-purchase: the buyer's account, the shipping address or the paying card is the
creator's. Near misses (a neighbour sharing the postcode, a family member's card) do not trip."""

from __future__ import annotations

from sqlalchemy import select

from affiliate.creators.attribution.models import CommissionHold
from affiliate.fraud.rules import normalise_street, ship_to_key
from core.accounts.models import Role
from core.extensions import db
from core.notifications.models import Notification
from core.types import utcnow
from shop.payments.models import Payment, PaymentStatus
from tests.factories import make_user
from tests.fraud.conftest import add_address, flags_of, held, rules_of

HER_HOME = "Cleo Creator, 12 Elm Street, Springfield, 12345, US"


def test_buying_through_her_own_video_is_held_as_self_purchase(world):
    order = world.buy(world.creator)

    [flag] = flags_of(order)
    assert (flag.rule, flag.evidence) == (
        "self_purchase",
        {"match": "account", "buyer_id": world.creator.id},
    )
    assert held(order)
    hold = db.session.get(CommissionHold, flag.hold_id)
    assert (hold.source, hold.reason) == ("fraud", "Fraud review: Self-purchase")


def test_the_creator_is_told_once_per_order_that_it_is_under_review_and_not_why(world):
    order = world.buy(world.creator, quantities=(1, 1))  # two lines, two commissions

    notices = db.session.scalars(
        select(Notification).where(Notification.user_id == world.creator.id)
    ).all()
    assert [n.kind for n in notices] == ["commission.review"]
    assert f"order #{order.id} is under review" in notices[0].message
    assert "self" not in notices[0].message.lower()


def test_another_buyer_shipping_to_her_address_book_address_is_held(world):
    add_address(world.creator, "12 Elm St.", "12345")
    order = world.buy(ship_to="Sam Sock, 12 ELM STREET, Springfield, 12-345, US")

    [flag] = flags_of(order)
    assert flag.evidence == {
        "match": "address",
        "postcode": "12345",
        "street": "12 elm street",
        "seen_in": "her address book",
    }
    assert held(order)


def test_an_address_she_shipped_her_own_order_to_counts(world):
    world.buy(world.creator, ship_to=HER_HOME)
    order = world.buy(ship_to="Sam Sock, 12 elm street, Springfield, 12345, US")

    [flag] = flags_of(order)
    assert flag.evidence["match"] == "address"
    assert flag.evidence["seen_in"].startswith("her own order #")


def test_a_neighbour_sharing_her_postcode_is_not_held(world):
    add_address(world.creator, "12 Elm Street", "12345")
    order = world.buy(ship_to="Nina Neighbour, 14 Elm Street, Springfield, 12345, US")

    assert flags_of(order) == []
    assert not held(order)


def test_the_same_street_in_another_postcode_is_not_held(world):
    add_address(world.creator, "12 Elm Street", "12345")
    order = world.buy(ship_to="Otto Other, 12 Elm Street, Shelbyville, 54321, US")

    assert rules_of(order) == set()


def _her_card_payment(world, fingerprint: str) -> Payment:
    payment = Payment(
        buyer_id=world.creator.id,
        provider="test",
        provider_ref=f"her-{fingerprint}",
        amount=500,
        currency="USD",
        status=PaymentStatus.SUCCEEDED.value,
        succeeded_at=utcnow(),
        card_fingerprint=fingerprint,
    )
    db.session.add(payment)
    db.session.commit()
    return payment


def test_a_sock_puppet_paying_with_her_card_is_held(world):
    hers = _her_card_payment(world, "fp_cleo_visa_0001")
    puppet = make_user(Role.BUYER)
    order = world.buy(puppet, card="fp_cleo_visa_0001")

    [flag] = flags_of(order)
    assert flag.evidence == {
        "match": "card",
        "fingerprint_end": "a_0001",
        "her_payment_id": hers.id,
    }


def test_a_family_members_different_card_is_not_held(world):
    _her_card_payment(world, "fp_cleo_visa_0001")
    order = world.buy(card="fp_dad_mastercard_7777")

    assert rules_of(order) == set()


def test_a_card_she_tried_but_failed_with_does_not_count(world):
    failed = _her_card_payment(world, "fp_cleo_visa_0001")
    failed.status = PaymentStatus.FAILED.value
    db.session.commit()
    order = world.buy(card="fp_cleo_visa_0001")

    assert rules_of(order) == set()


def test_an_ordinary_buyer_is_not_held(world):
    order = world.buy(ship_to="Bea Buyer, 1 Main St, Springfield, 12345, US", card="fp_bea")

    assert flags_of(order) == []
    assert not held(order)


def test_street_lines_compare_without_case_punctuation_or_abbreviations():
    assert normalise_street("12, Elm St.") == normalise_street("12 ELM   street")
    assert normalise_street("3 Oak Rd") != normalise_street("3 Oak Drive")


def test_a_one_line_address_reads_its_postcode_and_street():
    assert ship_to_key("A B, 1 Main St, Apt 2, Springfield, IL, 62-701, US") == (
        "62701",
        "1 main street",
    )
    assert ship_to_key("nonsense") is None
