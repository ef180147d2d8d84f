"""The commission rule, table by table: kinds, states, acceptances, ties, rate history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import combinations
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from affiliate.plans.commission.rule import applicable_rate, applicable_rates
from affiliate.plans.models import MembershipStatus, Plan, PlanKind, PlanProduct, PlanRate
from core.accounts.models import Role
from core.extensions import db
from core.types import utcnow
from shop.catalog.models import ProductStatus
from tests.factories import make_user
from tests.plans.helpers_rule import DAY, STATES, add_member, make_plan, set_rate, showcase
from tests.shop.factories import make_product, make_store

TARGETED, OPEN, STORE = PlanKind.TARGETED, PlanKind.OPEN, PlanKind.STORE
M = MembershipStatus
SHOWCASED = "showcased"  # a store plan's "standing": the creator showcases the product


@dataclass(frozen=True)
class Spec:
    """One plan of a table row: its kind, name, rate, state and the creator's standing in it.

    ``standing`` is a membership status for targeted and open plans (None: no membership),
    and ``SHOWCASED`` or None for a store plan.
    """

    kind: PlanKind
    name: str
    rate: int
    standing: str | None
    state: str = "active"


@dataclass(frozen=True)
class Case:
    id: str
    plans: tuple[Spec, ...]
    winner: str | None
    prospective: bool = False
    rate: int | None = None


@pytest.fixture
def world(app_ctx):
    store = make_store()
    product = make_product(store)
    creator = make_user(Role.CREATOR)
    return SimpleNamespace(store=store, product=product, creator_id=creator.id, now=utcnow())


def build(world, specs) -> dict[str, int]:
    """Write the row's plans (in order: earlier rows are older plans); name → id."""
    ids = {}
    for spec in specs:
        products = [] if spec.kind is STORE else [world.product]
        plan = make_plan(
            world.store,
            spec.kind,
            spec.name,
            spec.rate,
            products=products,
            state=spec.state,
            now=world.now,
        )
        if spec.kind is STORE:
            if spec.standing == SHOWCASED:
                showcase(world.creator_id, world.product)
        elif spec.standing is not None:
            add_member(plan, world.creator_id, spec.standing)
        ids[spec.name] = plan.id
    return ids


# --- one plan: every kind x state x standing -------------------------------------------------

STANDINGS = {
    TARGETED: (None, M.INVITED, M.ACCEPTED, M.DECLINED, M.LEFT),
    OPEN: (None, M.PENDING, M.JOINED, M.REJECTED, M.LEFT),
    STORE: (None, SHOWCASED),
}
EARNING = {M.ACCEPTED.value, M.JOINED.value, SHOWCASED}
# What a sale would pay now once showcased (prospective): store always; open (taking joiners at
# once: these plans do) unless rejected; targeted accepted. Approval plans: test_rule_outlook.
PROSPECTIVE = {
    TARGETED: {M.ACCEPTED.value},
    OPEN: {None, M.PENDING.value, M.JOINED.value, M.LEFT.value, M.INVITED.value},
    STORE: {None, SHOWCASED},
}


def _single_cases():
    for kind, standings in STANDINGS.items():
        for state in STATES:
            for standing in standings:
                value = standing.value if isinstance(standing, M) else standing
                for prospective in (False, True):
                    opens = value in PROSPECTIVE[kind] if prospective else value in EARNING
                    applies = state == "active" and opens
                    yield pytest.param(
                        Case(
                            id="",
                            plans=(Spec(kind, "Only", 1500, value, state),),
                            winner="Only" if applies else None,
                            prospective=prospective,
                        ),
                        id=f"{kind.value}-{state}-{value or 'no_standing'}"
                        f"{'-prospective' if prospective else ''}",
                    )


@pytest.mark.parametrize("case", list(_single_cases()))
def test_one_plan(world, case):
    build(world, case.plans)
    found = applicable_rate(
        world.creator_id, world.product.id, world.now, prospective=case.prospective
    )
    if case.winner is None:
        assert found is None
    else:
        assert found is not None
        assert (found.plan_name, found.rate_bps) == (case.winner, 1500)


# --- several kinds: the most specific open plan wins, whatever the rates ----------------------

NAMES = {TARGETED: "Spring", OPEN: "Everyday", STORE: "Storewide"}
# The less specific the kind, the higher its rate: precedence must beat the rate.
RATES = {TARGETED: 1000, OPEN: 2000, STORE: 3000}
OPEN_STANDING = {TARGETED: M.ACCEPTED.value, OPEN: M.JOINED.value, STORE: SHOWCASED}
CLOSED_STANDING = {TARGETED: M.INVITED.value, OPEN: M.PENDING.value, STORE: None}
PRECEDENCE = (TARGETED, OPEN, STORE)


def _combination_cases():
    for size in (2, 3):
        for kinds in combinations(PRECEDENCE, size):
            # Every subset of these kinds open to the creator; the others present but closed.
            for open_count in range(size + 1):
                for open_kinds in combinations(kinds, open_count):
                    specs = tuple(
                        Spec(
                            k,
                            NAMES[k],
                            RATES[k],
                            (OPEN_STANDING if k in open_kinds else CLOSED_STANDING)[k],
                        )
                        for k in kinds
                    )
                    winner = next((NAMES[k] for k in PRECEDENCE if k in open_kinds), None)
                    label = "+".join(
                        f"{k.value}({'open' if k in open_kinds else 'closed'})" for k in kinds
                    )
                    yield pytest.param(Case("", specs, winner), id=label)


@pytest.mark.parametrize("case", list(_combination_cases()))
def test_kinds_together(world, case):
    build(world, case.plans)
    found = applicable_rate(world.creator_id, world.product.id, world.now)
    assert (found.plan_name if found else None) == case.winner


@pytest.mark.parametrize(
    ("specs", "winner"),
    [
        pytest.param(
            (Spec(TARGETED, "Spring", 2500, M.ACCEPTED), Spec(OPEN, "Everyday", 7000, M.JOINED)),
            "Spring",
            id="targeted-beats-a-richer-open",
        ),
        pytest.param(
            (Spec(OPEN, "Everyday", 500, M.JOINED), Spec(STORE, "Storewide", 8000, SHOWCASED)),
            "Everyday",
            id="open-beats-a-richer-store",
        ),
        pytest.param(
            (
                Spec(TARGETED, "Spring", 2500, M.ACCEPTED, "paused"),
                Spec(OPEN, "Everyday", 1500, M.JOINED),
            ),
            "Everyday",
            id="paused-targeted-falls-back-to-open",
        ),
        pytest.param(
            (
                Spec(TARGETED, "Spring", 2500, M.ACCEPTED, "expired"),
                Spec(OPEN, "Everyday", 1500, M.JOINED, "ended"),
                Spec(STORE, "Storewide", 500, SHOWCASED),
            ),
            "Storewide",
            id="expired-targeted-and-ended-open-fall-back-to-store",
        ),
        pytest.param(
            (
                Spec(TARGETED, "Spring", 2500, M.DECLINED),
                Spec(OPEN, "Everyday", 1500, M.REJECTED),
                Spec(STORE, "Storewide", 500, None),
            ),
            None,
            id="declined-rejected-not-showcased-none",
        ),
        pytest.param(
            (
                Spec(TARGETED, "Spring", 2500, M.ACCEPTED, "not_started"),
                Spec(STORE, "Storewide", 500, SHOWCASED),
            ),
            "Storewide",
            id="targeted-not-started-yet",
        ),
    ],
)
def test_states_and_acceptances_together(world, specs, winner):
    build(world, specs)
    found = applicable_rate(world.creator_id, world.product.id, world.now)
    assert (found.plan_name if found else None) == winner


# --- ties within one kind --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("specs", "winner"),
    [
        pytest.param(
            (Spec(OPEN, "Older", 1500, M.JOINED), Spec(OPEN, "Newer", 2000, M.JOINED)),
            "Newer",
            id="open-higher-rate-wins",
        ),
        pytest.param(
            (Spec(OPEN, "Older", 1500, M.JOINED), Spec(OPEN, "Newer", 1500, M.JOINED)),
            "Older",
            id="open-equal-rates-older-wins",
        ),
        pytest.param(
            (
                Spec(TARGETED, "Older", 2500, M.ACCEPTED),
                Spec(TARGETED, "Newer", 3000, M.ACCEPTED),
            ),
            "Newer",
            id="targeted-higher-rate-wins",
        ),
        pytest.param(
            (
                Spec(TARGETED, "Older", 2500, M.ACCEPTED),
                Spec(TARGETED, "Newer", 2500, M.ACCEPTED),
            ),
            "Older",
            id="targeted-equal-rates-older-wins",
        ),
        pytest.param(
            (Spec(OPEN, "Older", 1500, M.JOINED), Spec(OPEN, "Newer", 4000, M.PENDING)),
            "Older",
            id="open-richer-but-pending-loses",
        ),
    ],
)
def test_ties_within_a_kind(world, specs, winner):
    build(world, specs)
    found = applicable_rate(world.creator_id, world.product.id, world.now)
    assert found.plan_name == winner


# --- rate history ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "changes", "expected"),
    [
        pytest.param(OPEN, [(2500, +1)], 1500, id="open-future-rate-not-used-yet"),
        pytest.param(OPEN, [(2500, -1)], 2500, id="open-later-rate-replaces-earlier"),
        pytest.param(OPEN, [(2500, -5), (1000, -1)], 1000, id="open-latest-of-several"),
        pytest.param(OPEN, [(500, -2), (3000, +2)], 500, id="open-cut-applies-raise-pending"),
        pytest.param(STORE, [(2500, +1)], 1500, id="store-future-rate-not-used-yet"),
        pytest.param(STORE, [(2500, -1)], 2500, id="store-later-rate-replaces-earlier"),
        pytest.param(TARGETED, [(4000, -1)], 4000, id="targeted-later-rate-replaces-earlier"),
    ],
)
def test_rate_history(world, kind, changes, expected):
    standing = OPEN_STANDING[kind]
    build(world, [Spec(kind, "Plan", 1500, standing)])
    plan = db.session.scalars(select(Plan)).one()
    for rate, days in changes:
        set_rate(plan, rate, effective_at=world.now + days * DAY, products=[world.product])
    assert applicable_rate(world.creator_id, world.product.id, world.now).rate_bps == expected


def test_rate_at_an_earlier_moment(world):
    build(world, [Spec(OPEN, "Plan", 1500, M.JOINED)])
    plan = db.session.scalars(select(Plan)).one()
    set_rate(plan, 3000, effective_at=world.now - 2 * DAY, products=[world.product])
    earlier = world.now - 5 * DAY
    assert applicable_rate(world.creator_id, world.product.id, earlier).rate_bps == 1500
    assert applicable_rate(world.creator_id, world.product.id, world.now).rate_bps == 3000


def test_store_plan_rate_for_one_product_is_ignored(world):
    """A store plan earns its default rate; a stray product row is not its rate."""
    build(world, [Spec(STORE, "Storewide", 1500, SHOWCASED)])
    plan = db.session.scalars(select(Plan)).one()
    db.session.add(
        PlanRate(
            plan_id=plan.id,
            product_id=world.product.id,
            rate_bps=6000,
            effective_at=world.now - DAY,
        )
    )
    db.session.flush()
    assert applicable_rate(world.creator_id, world.product.id, world.now).rate_bps == 1500


# --- the product -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [ProductStatus.DRAFT, ProductStatus.ARCHIVED])
@pytest.mark.parametrize("prospective", [False, True], ids=["actual", "prospective"])
def test_inactive_product_earns_nothing(world, status, prospective):
    build(
        world,
        [
            Spec(TARGETED, "Spring", 2500, M.ACCEPTED),
            Spec(OPEN, "Everyday", 1500, M.JOINED),
            Spec(STORE, "Storewide", 500, SHOWCASED),
        ],
    )
    world.product.status = status.value
    db.session.flush()
    found = applicable_rate(world.creator_id, world.product.id, world.now, prospective=prospective)
    assert found is None


def test_product_of_another_store_is_not_covered_by_a_store_plan(world):
    build(world, [Spec(STORE, "Storewide", 1500, SHOWCASED)])
    other = make_product()
    showcase(world.creator_id, other)
    assert applicable_rate(world.creator_id, other.id, world.now) is None


def test_product_removed_from_a_plan_is_not_covered(world):
    ids = build(world, [Spec(OPEN, "Everyday", 1500, M.JOINED)])
    row = db.session.scalars(
        select(PlanProduct).where(PlanProduct.plan_id == ids["Everyday"])
    ).one()
    row.removed_at = world.now - DAY
    db.session.flush()
    assert applicable_rate(world.creator_id, world.product.id, world.now) is None


def test_another_creators_acceptance_does_not_count(world):
    ids = build(world, [Spec(TARGETED, "Spring", 2500, None)])
    other = make_user(Role.CREATOR)
    plan = db.session.get(Plan, ids["Spring"])
    add_member(plan, other.id, M.ACCEPTED.value)
    assert applicable_rate(world.creator_id, world.product.id, world.now) is None
    assert applicable_rate(other.id, world.product.id, world.now).plan_name == "Spring"


# --- the explanation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("specs", "explanation"),
    [
        pytest.param(
            (Spec(TARGETED, "Spring", 2500, M.ACCEPTED), Spec(OPEN, "Everyday", 1500, M.JOINED)),
            "targeted plan Spring, 25%, beats open plan Everyday, 15%",
            id="targeted-beats-open",
        ),
        pytest.param(
            (Spec(OPEN, "Everyday", 1550, M.JOINED),),
            "open plan Everyday, 15.5%",
            id="alone-with-a-fraction",
        ),
        pytest.param(
            (
                Spec(STORE, "Storewide", 3000, SHOWCASED),
                Spec(OPEN, "Everyday", 1525, M.JOINED),
                Spec(TARGETED, "Spring", 2500, M.ACCEPTED),
            ),
            "targeted plan Spring, 25%, beats open plan Everyday, 15.25%; "
            "store plan Storewide, 30%",
            id="three-kinds-best-first",
        ),
        pytest.param(
            (Spec(OPEN, "Older", 1500, M.JOINED), Spec(OPEN, "Newer", 1500, M.JOINED)),
            "open plan Older, 15%, beats open plan Newer, 15%",
            id="tie-older-first",
        ),
    ],
)
def test_explanation(world, specs, explanation):
    build(world, specs)
    assert applicable_rate(world.creator_id, world.product.id, world.now).explain() == explanation


# --- one statement ---------------------------------------------------------------------------


def test_one_statement_per_call(world, count_queries):
    build(
        world,
        [
            Spec(TARGETED, "Spring", 2500, M.ACCEPTED),
            Spec(OPEN, "Everyday", 1500, M.JOINED),
            Spec(OPEN, "Weekend", 1800, M.JOINED),
            Spec(STORE, "Storewide", 500, SHOWCASED),
        ],
    )
    creator_id, product_id, now = world.creator_id, world.product.id, world.now
    db.session.commit()  # nothing left to flush or reload
    before = count_queries.count
    applicable_rate(creator_id, product_id, now)
    assert count_queries.count - before == 1
    before = count_queries.count
    applicable_rate(creator_id, product_id, now, prospective=True)
    assert count_queries.count - before == 1


# --- property: never a plan that is not open to the creator; always the best one ---------------

PLAN_STATES = st.sampled_from(STATES)
# The standings each kind's services can write (a targeted plan is never "joined").
KIND_STANDINGS = {
    kind: st.sampled_from([s.value if isinstance(s, M) else s for s in standings])
    for kind, standings in STANDINGS.items()
    if kind is not STORE
}


@st.composite
def plan_specs(draw):
    kind = draw(st.sampled_from(list(PlanKind)))
    return {
        "kind": kind,
        "store": draw(st.integers(0, 1)),
        "state": draw(PLAN_STATES),
        "rate": draw(st.sampled_from([100, 1000, 1500, 2500, 8000])),
        "products": draw(st.sets(st.integers(0, 2), max_size=3)),
        "standings": [None, None]
        if kind is STORE
        else draw(st.lists(KIND_STANDINGS[kind], min_size=2, max_size=2)),
        "change": draw(st.none() | st.tuples(st.sampled_from([500, 3000]), st.integers(-3, 3))),
        "manual": kind is OPEN and draw(st.booleans()),
    }


@st.composite
def worlds(draw):
    return {
        "plans": draw(st.lists(plan_specs(), min_size=1, max_size=6)),
        "showcased": draw(st.sets(st.tuples(st.integers(0, 1), st.integers(0, 5)), max_size=8)),
        "inactive": draw(st.sets(st.integers(0, 5), max_size=2)),
        "prospective": draw(st.booleans()),
    }


@dataclass
class Oracle:
    plan_id: int
    kind: PlanKind
    state: str
    store: int
    product_indexes: set
    standings: list
    rates: list  # (rate, effective_at)
    manual: bool = False  # an open plan that approves its joiners

    def rate_at(self, at: datetime) -> int | None:
        due = [(when, index, rate) for index, (rate, when) in enumerate(self.rates) if when <= at]
        return max(due)[2] if due else None


def _open_to(plan: Oracle, creator: int, product: int, showcased: set, prospective: bool) -> bool:
    standing = plan.standings[creator]
    if plan.kind is STORE:
        return prospective or (creator, product) in showcased
    if product % 3 not in plan.product_indexes:
        return False
    if plan.kind is TARGETED:
        return standing == M.ACCEPTED.value
    if standing == M.JOINED.value:
        return True
    # Prospective: an open plan that takes joiners at once counts unless the seller rejected
    # the creator; one that approves joiners only once it did (a request is not a rate).
    return prospective and not plan.manual and standing != M.REJECTED.value


def test_rule_never_names_a_plan_closed_to_the_creator(app_ctx):
    now = utcnow()
    stores = [make_store(), make_store()]
    # Products 0-2 in store 0, 3-5 in store 1; a plan's product index i means product
    # (store * 3 + i).
    products = [make_product(stores[index // 3]) for index in range(6)]
    product_ids = [p.id for p in products]
    creators = [make_user(Role.CREATOR).id, make_user(Role.CREATOR).id]

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(worlds())
    def check(world):
        try:
            oracles = []
            with_store_plan = set()
            for spec in world["plans"]:
                if spec["kind"] is STORE:
                    if spec["store"] in with_store_plan:
                        continue  # one store plan per store
                    with_store_plan.add(spec["store"])
                covered = (
                    []
                    if spec["kind"] is STORE
                    else [products[spec["store"] * 3 + i] for i in sorted(spec["products"])]
                )
                plan = make_plan(
                    stores[spec["store"]],
                    spec["kind"],
                    f"P{len(oracles)}",
                    spec["rate"],
                    products=covered,
                    state=spec["state"],
                    now=now,
                    manual_approval=spec["manual"],
                )
                rates = [(spec["rate"], now - 30 * DAY)]
                if spec["change"]:
                    rate, days = spec["change"]
                    set_rate(plan, rate, effective_at=now + days * DAY, products=covered)
                    rates.append((rate, now + days * DAY))
                standings = spec["standings"] if spec["kind"] is not STORE else [None, None]
                for creator_index, standing in enumerate(standings):
                    if standing is not None:
                        add_member(plan, creators[creator_index], standing)
                oracles.append(
                    Oracle(
                        plan.id,
                        spec["kind"],
                        spec["state"],
                        spec["store"],
                        spec["products"],
                        standings,
                        rates,
                        spec["manual"],
                    )
                )
            showcased = set()
            for creator_index, product_index in world["showcased"]:
                showcase(creators[creator_index], products[product_index])
                showcased.add((creator_index, product_index))
            for index in world["inactive"]:
                products[index].status = ProductStatus.ARCHIVED.value
            db.session.flush()

            prospective = world["prospective"]
            for creator_index, creator_id in enumerate(creators):
                found = applicable_rates(creator_id, product_ids, now, prospective=prospective)
                for product_index, product_id in enumerate(product_ids):
                    candidates = []
                    if product_index not in world["inactive"]:
                        for plan in oracles:
                            rate = plan.rate_at(now)
                            if (
                                plan.state == "active"
                                and plan.store == product_index // 3
                                and rate is not None
                                and _open_to(
                                    plan, creator_index, product_index, showcased, prospective
                                )
                            ):
                                candidates.append((plan.kind.precedence, -rate, plan.plan_id))
                    applied = found.get(product_id)
                    if not candidates:
                        assert applied is None
                        continue
                    candidates.sort()
                    open_ids = {c[2] for c in candidates}
                    assert applied is not None
                    assert applied.plan_id in open_ids, "named a plan closed to the creator"
                    assert {c.plan_id for c in applied.beaten} <= open_ids
                    best = candidates[0]
                    assert (applied.kind.precedence, -applied.rate_bps, applied.plan_id) == best
                    assert [c.plan_id for c in applied.beaten] == [c[2] for c in candidates[1:]]
        finally:
            db.session.rollback()

    check()
