"""The plan marketplace: what a creator could promote, at which rate, filtered and sorted."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from affiliate.plans.models import MembershipStatus, Plan, PlanMembership
from core.accounts.models import Role
from core.extensions import db
from core.types import utcnow
from tests.conftest import Auth, post_form
from tests.creators.factories import member, open_plan, showcase, store_plan, targeted_plan
from tests.factories import make_user
from tests.shop.factories import category, make_product, make_store

MARKET = "/creator/marketplace"
_CARD = re.compile(
    r'<article class="card h-100 market-card" data-product-id="(\d+)">(.*?)</article>', re.S
)
_RATE = re.compile(r'market-rate">([^<]+)<')
_KIND = re.compile(r'market-kind">([^<]+)<')
_COMMISSION = re.compile(r'market-commission">([^<]+)<')
_NEXT = re.compile(r'market-next-rate">([^<]+)<')


def _found(pattern: re.Pattern, body: str) -> str | None:
    match = pattern.search(body)
    return match.group(1) if match else None


def offers(response) -> dict[int, SimpleNamespace]:
    """Product id → what its card shows, in page order (``rate``: the rate now, or None;
    ``next``: what a plan waiting for an answer would make it, or None)."""
    assert response.status_code == 200, response.status_code
    found = {}
    for product_id, body in _CARD.findall(response.get_data(as_text=True)):
        found[int(product_id)] = SimpleNamespace(
            rate=_found(_RATE, body),
            kind=_found(_KIND, body),
            commission=_found(_COMMISSION, body),
            next=_found(_NEXT, body),
            in_showcase="In your showcase" in body,
            requested="Request sent — awaiting approval" in body,
            can_add="Add to showcase<" in body,
        )
    return found


def ids(response) -> list[int]:
    return list(offers(response))


@pytest.fixture
def creator(app_ctx):
    return make_user(Role.CREATOR, email="cara@example.com", display_name="Cara")


@pytest.fixture
def signed_in(client, creator):
    Auth(client).login("cara@example.com")
    return client


@pytest.fixture
def world(creator):
    """Store A: store plan 10%, open 15% on a1 and a2, targeted 25% on a1 (accepted).
    Store B: open 20% on b1; b2 is in no plan."""
    a = make_store(name="Alpha Goods")
    b = make_store(name="Beta Supplies")
    a1 = make_product(a, title="Alpha kettle", price=10000, category=category("home-kitchen"))
    a2 = make_product(a, title="Alpha lamp", price=2000, category=category("home-decor"))
    a3 = make_product(a, title="Alpha dumbbell", price=5000, category=category("sports-fitness"))
    b1 = make_product(b, title="Beta mug", price=1250, category=category("home-kitchen"))
    b2 = make_product(b, title="Beta bottle", price=900, category=category("sports-fitness"))
    store_plan(a, 1000)
    open_plan(a, 1500, [a1, a2])
    targeted = targeted_plan(a, 2500, [a1])
    member(targeted, creator.id, MembershipStatus.ACCEPTED)
    open_plan(b, 2000, [b1], name="Beta open")
    return SimpleNamespace(a=a, b=b, a1=a1, a2=a2, a3=a3, b1=b1, b2=b2, targeted=targeted)


def test_each_product_shows_the_rate_that_would_apply(signed_in, world):
    shown = offers(signed_in.get(MARKET))
    assert set(shown) == {world.a1.id, world.a2.id, world.a3.id, world.b1.id}
    assert (shown[world.a1.id].rate, shown[world.a1.id].kind) == ("25%", "targeted plan")
    assert (shown[world.a2.id].rate, shown[world.a2.id].kind) == ("15%", "open plan")
    assert (shown[world.a3.id].rate, shown[world.a3.id].kind) == ("10%", "store plan")
    assert (shown[world.b1.id].rate, shown[world.b1.id].kind) == ("20%", "open plan")
    # Commission per sale: $100 × 25%, $12.50 × 20% = $2.50.
    assert shown[world.a1.id].commission == "$25.00"
    assert shown[world.b1.id].commission == "$2.50"


def test_an_unanswered_invitation_does_not_raise_the_rate(signed_in, world, creator):
    membership = db.session.scalars(
        select(PlanMembership).where(PlanMembership.creator_id == creator.id)
    ).one()
    membership.status = MembershipStatus.INVITED.value
    db.session.commit()
    shown = offers(signed_in.get(MARKET))
    assert (shown[world.a1.id].rate, shown[world.a1.id].kind) == ("15%", "open plan")


@pytest.fixture
def launch(creator):
    """Store Gamma: store plan 10%, and "Launch week", open at 30% on g1 with approval."""
    g = make_store(name="Gamma Glow")
    g1 = make_product(g, title="Gamma serum", price=4000)
    g2 = make_product(g, title="Gamma mist", price=4000)
    store_plan(g, 1000)
    plan = open_plan(g, 3000, [g1], name="Launch week", manual_approval=True)
    return SimpleNamespace(store=g, g1=g1, g2=g2, plan=plan)


def test_a_plan_waiting_for_approval_shows_what_it_would_become_not_the_rate_now(
    signed_in, launch, creator
):
    """The reported bug: "30%, earn $12.00" while the request waited; a sale paid 10%. Not in
    her showcase, the product earns nothing until the seller approves her; in it, 10%."""
    member(launch.plan, creator.id, MembershipStatus.PENDING)
    card = offers(signed_in.get(MARKET))[launch.g1.id]
    assert (card.rate, card.commission) == (None, None)
    assert card.next == "30% once approved"
    assert not card.in_showcase
    html = signed_in.get(MARKET).get_data(as_text=True)
    assert "Earns nothing until the seller approves you" in html
    assert "$12.00 per sale · Launch week (open plan)" in html

    showcase(creator.id, launch.g1)
    card = offers(signed_in.get(MARKET))[launch.g1.id]
    assert (card.rate, card.kind, card.commission) == ("10%", "store plan", "$4.00")
    assert card.next == "30% once approved"


def test_a_plan_not_asked_yet_shows_that_it_needs_the_sellers_approval(signed_in, launch):
    card = offers(signed_in.get(MARKET))[launch.g1.id]
    assert (card.rate, card.next) == (None, "30% if the seller approves you")
    assert card.can_add
    html = signed_in.get(MARKET).get_data(as_text=True)
    assert "it joins your showcase once the seller approves you" in html
    # Outside the approval plan, the store plan's rate is what adding brings.
    assert offers(signed_in.get(MARKET))[launch.g2.id].rate == "10%"


def test_adding_through_an_approval_plan_says_a_request_was_sent(signed_in, launch, creator):
    response = post_form(signed_in, "/creator/showcase/add", {"product_id": launch.g1.id})
    assert response.status_code == 302
    page = signed_in.get(MARKET)
    html = page.get_data(as_text=True)
    assert "Request sent to join “Launch week” (30% once approved)" in html
    assert "“Gamma serum” joins your showcase once the seller approves you" in html
    card = offers(page)[launch.g1.id]
    assert card.requested
    assert not card.in_showcase
    assert not card.can_add
    assert (card.rate, card.next) == (None, "30% once approved")
    assert not offers(page)[launch.g2.id].requested  # not in the plan: nothing asked

    showcase_page = signed_in.get("/creator/showcase").get_data(as_text=True)
    assert 'class="list-group-item showcase-item"' not in showcase_page  # not promotable yet
    assert "Waiting for a seller's approval" in showcase_page
    assert "Gamma serum" in showcase_page


def test_a_showcased_product_can_ask_for_its_better_plan_and_keeps_its_rate(
    signed_in, launch, creator
):
    showcase(creator.id, launch.g1)
    card = offers(signed_in.get(MARKET))[launch.g1.id]
    assert card.in_showcase
    assert (card.rate, card.next) == ("10%", "30% if the seller approves you")
    html = signed_in.get(MARKET).get_data(as_text=True)
    assert "Ask to join Launch week" in html

    post_form(signed_in, "/creator/showcase/add", {"product_id": launch.g1.id})
    page = signed_in.get(MARKET)
    assert "Until the seller approves you, “Gamma serum” earns 10% under the store plan" in (
        page.get_data(as_text=True)
    )
    card = offers(page)[launch.g1.id]
    assert card.in_showcase
    assert card.requested
    assert (card.rate, card.next) == ("10%", "30% once approved")


def test_a_product_with_only_a_waiting_plan_is_listed_as_earning_nothing_yet(signed_in, creator):
    store = make_store()
    product = make_product(store, title="Lonely lotion", price=2000)
    open_plan(store, 2500, [product], name="By approval", manual_approval=True)
    card = offers(signed_in.get(MARKET))[product.id]
    assert (card.rate, card.commission) == (None, None)
    assert card.next == "25% if the seller approves you"
    assert card.can_add
    html = signed_in.get(MARKET).get_data(as_text=True)
    assert "Earns nothing until the seller approves you" in html
    # The rate filter and the sort go by the rate now: it has none.
    assert product.id not in ids(signed_in.get(MARKET + "?min_rate=5"))


def test_an_invitation_and_an_approval_plan_both_show_as_prospects(signed_in, launch, creator):
    spring = targeted_plan(launch.store, 2000, [launch.g1], name="Gamma spring")
    member(spring, creator.id, MembershipStatus.INVITED)
    response = signed_in.get(MARKET)
    card = offers(response)[launch.g1.id]
    assert card.rate is None  # adding asks to join Launch week: nothing until approved
    assert card.next == "20% if you accept"  # targeted beats open, whatever the rate
    html = response.get_data(as_text=True)
    assert "30% if the seller approves you" in html
    assert "Answer the invitation" in html
    # Sorted by the rate now: g2 (10% now) before g1 (nothing now).
    assert ids(response).index(launch.g2.id) < ids(response).index(launch.g1.id)


def test_an_invitation_shows_what_accepting_would_bring(signed_in, world, creator):
    membership = db.session.scalars(
        select(PlanMembership).where(PlanMembership.creator_id == creator.id)
    ).one()
    membership.status = MembershipStatus.INVITED.value
    db.session.commit()
    card = offers(signed_in.get(MARKET))[world.a1.id]
    assert (card.rate, card.next) == ("15%", "25% if you accept")
    assert "Answer the invitation" in signed_in.get(MARKET).get_data(as_text=True)


def test_commission_rounds_half_up(signed_in, creator):
    store = make_store()
    product = make_product(store, price=1250)  # 12.50 × 15% = 1.875 → 1.88
    open_plan(store, 1500, [product])
    assert offers(signed_in.get(MARKET))[product.id].commission == "$1.88"


def test_default_sort_is_rate_then_commission_newest_best_selling(signed_in, world):
    w = world
    assert ids(signed_in.get(MARKET)) == [w.a1.id, w.b1.id, w.a2.id, w.a3.id]
    # Commission: a1 $25, a3 $5, a2 $3, b1 $2.50.
    by_commission = ids(signed_in.get(MARKET + "?sort=commission"))
    assert by_commission == [w.a1.id, w.a3.id, w.a2.id, w.b1.id]

    now = utcnow()
    for age, product in enumerate([w.a2, w.b1, w.a3, w.a1]):
        product.created_at = now - timedelta(days=age)
    for sold, product in zip([5, 50, 0, 7], [w.a1, w.a2, w.a3, w.b1], strict=True):
        product.sold_count = sold
    db.session.commit()
    assert ids(signed_in.get(MARKET + "?sort=newest")) == [w.a2.id, w.b1.id, w.a3.id, w.a1.id]
    best = ids(signed_in.get(MARKET + "?sort=best_selling"))
    assert best == [w.a2.id, w.b1.id, w.a1.id, w.a3.id]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("min_rate=20", {"a1", "b1"}),
        ("min_rate=20%25", {"a1", "b1"}),
        ("min_rate=15.5", {"a1", "b1"}),
        ("category=home", {"a1", "a2", "b1"}),  # a root takes in its children
        ("category=home-kitchen", {"a1", "b1"}),
        ("min=20&max=50", {"a2", "a3"}),
        ("min=%2420.00", {"a1", "a2", "a3"}),
        ("q=alpha", {"a1", "a2", "a3"}),
        ("q=MUG", {"b1"}),
        ("q=100%25", set()),  # LIKE wildcards are taken literally
        ("category=home&min_rate=16&q=alpha", {"a1"}),
    ],
)
def test_filters(signed_in, world, query, expected):
    shown = set(ids(signed_in.get(f"{MARKET}?{query}")))
    assert shown == {getattr(world, name).id for name in expected}


def test_store_filter_lists_only_stores_with_products_to_promote(signed_in, world):
    make_store(name="Gamma Without Plans")
    response = signed_in.get(f"{MARKET}?store={world.b.id}")
    assert ids(response) == [world.b1.id]
    html = response.get_data(as_text=True)
    assert "Alpha Goods</option>" in html
    assert f'value="{world.b.id}" selected>Beta Supplies' in html
    assert "Gamma Without Plans" not in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("min_rate=abc", "Rate at least"),
        ("min_rate=95", "Rate at least"),
        ("min=ten", "is not an amount"),
        ("min=50&max=20", "were swapped"),
        ("category=nope", "That category does not exist"),
        ("store=x1", "That store does not exist"),
        ("store=999999999999999999", "That store does not exist"),  # beyond an id's range
        ("min=99999999999999999999", "is not an amount"),
    ],
)
def test_bad_filters_are_ignored_with_a_message(signed_in, world, query, message):
    response = signed_in.get(f"{MARKET}?{query}")
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_pagination_happens_in_the_database(signed_in, creator):
    store = make_store()
    products = [make_product(store, title=f"Item {n:02d}") for n in range(30)]
    store_plan(store, 800)
    first = ids(signed_in.get(MARKET))
    second_response = signed_in.get(MARKET + "?page=2")
    second = ids(second_response)
    assert len(first) == 24
    assert len(second) == 6
    assert set(first) | set(second) == {p.id for p in products}
    assert "25–30 of 30" in second_response.get_data(as_text=True)
    assert ids(signed_in.get(MARKET + "?page=zz")) == first


def test_showcased_products_say_so_instead_of_offering_the_button(signed_in, world, creator):
    showcase(creator.id, world.a3)
    shown = offers(signed_in.get(MARKET))
    assert shown[world.a3.id].in_showcase
    assert not shown[world.a1.id].in_showcase
    html = signed_in.get(MARKET).get_data(as_text=True)
    assert html.count("Add to showcase<") == 3


def test_a_rejected_joiner_does_not_see_the_open_plan(signed_in, world, creator):
    beta_open = db.session.scalars(select(Plan).where(Plan.name == "Beta open")).one()
    member(beta_open, creator.id, MembershipStatus.REJECTED)
    assert world.b1.id not in ids(signed_in.get(MARKET))


def test_empty_marketplace_explains_itself(signed_in):
    html = signed_in.get(MARKET).get_data(as_text=True)
    assert "Nothing to promote yet" in html
    html = signed_in.get(MARKET + "?q=zzz").get_data(as_text=True)
    assert "No product matches" in html


def _fill(count: int, creator_id: int) -> None:
    """``count`` products over a few stores, each kind of plan, some showcased."""
    stores = [make_store() for _ in range(3)]
    products = [make_product(stores[n % 3], price=1000 + n) for n in range(count)]
    for index, store in enumerate(stores):
        mine = [p for p in products if p.store_id == store.id]
        store_plan(store, 500 + index * 100)
        open_plan(store, 1500, mine[::2], name=f"Open {index}")
        targeted = targeted_plan(store, 2500, mine[::3], name=f"Targeted {index}")
        member(targeted, creator_id, MembershipStatus.ACCEPTED)
        targeted_plan(store, 3000, mine[1::3], name=f"Invite {index}")
        waiting = open_plan(store, 3500, mine[1::2], name=f"Launch {index}", manual_approval=True)
        if index == 0:
            member(waiting, creator_id, MembershipStatus.PENDING)
    for product in products[::4]:
        showcase(creator_id, product)


@pytest.mark.parametrize("query", ["", "?sort=commission&min_rate=5&category=beauty&page=1"])
def test_marketplace_runs_a_constant_number_of_statements(signed_in, creator, count_queries, query):
    _fill(5, creator.id)
    signed_in.get(MARKET + query)  # warm the session and caches
    before = count_queries.count
    assert signed_in.get(MARKET + query).status_code == 200
    small = count_queries.count - before

    _fill(35, creator.id)
    before = count_queries.count
    response = signed_in.get(MARKET + query)
    large = count_queries.count - before
    assert response.status_code == 200
    if not query:
        assert len(ids(response)) == 24
    assert small == large, (small, large)
    # 10: the notification bell counts too, and one statement reads the volume tiers ahead
    assert large <= 10, count_queries.statements[-large:]
