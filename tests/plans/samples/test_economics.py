"""Sample economics on a worked example, to the cent, and its CSV.

Sal's Serums sends two samples of Night serum ($25.00; cost price $8.50):
- Cleo's (shipping $4.20 recorded) → one video → two orders of $25.00 at 10% ($2.50 each),
  and a third order refunded in full (counts for nothing); an order of hers not through
  content is not counted either.
- Dora's (no shipping recorded) → no content, no orders.

Per creator:   samples  cost    content orders GMV     commission  net
  Cleo         1        $12.70  1       2      $50.00  $5.00       $32.30
  Dora         1        $8.50   0       0      $0.00   $0.00       −$8.50
  Total        2        $21.20  1       2      $50.00  $5.00       $23.80
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from affiliate.creators.attribution.models import CommissionState
from affiliate.plans.models import Plan
from affiliate.plans.samples import economics, services
from affiliate.plans.samples.economics import EconomicsRow
from affiliate.plans.samples.hooks import Sales
from core.extensions import db
from core.types import utcnow
from tests.creators.factories import make_commission, make_video
from tests.plans.helpers_samples import ask, make_world, showcasing
from tests.plans.samples.helpers import add_rule


def _worked_example():  # type: ignore[no-untyped-def]
    world = make_world(stock=10)
    for variant in world.product.variants:
        variant.cost_price = 850
    db.session.commit()
    add_rule(world, min_followers=0)
    cleo_sample = ask(world)
    services.set_shipping_cost(world.seller, cleo_sample.id, 420)
    dora, _ = showcasing(world.product, "dora")
    ask(world, dora)
    video = make_video(world.creator.id, [world.product], created_at=utcnow())
    first = make_commission(world.creator, world.product, content=video, rate_bps=1000)
    plan = db.session.get(Plan, first.plan_id)
    make_commission(world.creator, world.product, content=video, plan=plan, rate_bps=1000)
    make_commission(
        world.creator,
        world.product,
        content=video,
        plan=plan,
        rate_bps=1000,
        state=CommissionState.REVERSED,
    )
    make_commission(world.creator, world.product, plan=plan, rate_bps=1000)  # not via content
    return world, dora


def _period():  # type: ignore[no-untyped-def]
    now = utcnow()
    return now - timedelta(days=30), now + timedelta(days=1)


def test_per_creator_figures_add_up_to_the_cent(app_ctx) -> None:
    world, dora = _worked_example()
    since, until = _period()
    data = economics.sample_economics(world.store.id, "USD", since, until, by="creator")
    by_key = {row.key: row for row in data.rows}
    cleo = by_key[world.creator.id]
    assert (cleo.samples, cleo.sample_cost, cleo.content, cleo.orders) == (1, 1270, 1, 2)
    assert (cleo.gmv, cleo.commission, cleo.net) == (5000, 500, 3230)
    other = by_key[dora.id]
    assert (other.samples, other.sample_cost, other.orders, other.gmv, other.net) == (
        1,
        850,
        0,
        0,
        -850,
    )
    totals = data.totals
    assert (totals.samples, totals.sample_cost, totals.gmv, totals.commission, totals.net) == (
        2,
        2120,
        5000,
        500,
        2380,
    )
    assert [row.key for row in data.rows] == [world.creator.id, dora.id]  # net, descending


def test_the_listed_lines_add_up_to_the_table(app_ctx) -> None:
    world, _ = _worked_example()
    since, until = _period()
    data = economics.sample_economics(world.store.id, "USD", since, until)
    assert sum(line.gmv for line in data.lines) == data.totals.gmv
    assert sum(line.commission for line in data.lines) == data.totals.commission


def test_per_product_rows_group_every_creator(app_ctx) -> None:
    world, _ = _worked_example()
    since, until = _period()
    data = economics.sample_economics(world.store.id, "USD", since, until, by="product")
    (row,) = data.rows
    assert (row.key, row.name, row.samples, row.sample_cost, row.net) == (
        world.product.id,
        "Night serum",
        2,
        2120,
        2380,
    )


def test_samples_outside_the_period_are_left_out(app_ctx) -> None:
    world, _ = _worked_example()
    now = utcnow()
    data = economics.sample_economics(
        world.store.id, "USD", now + timedelta(days=1), now + timedelta(days=2)
    )
    assert data.rows == []
    assert data.totals.net == 0


def test_sorting_by_a_column_ascending(app_ctx) -> None:
    world, dora = _worked_example()
    since, until = _period()
    data = economics.sample_economics(
        world.store.id, "USD", since, until, sort="sample_cost", descending=False
    )
    assert [row.key for row in data.rows] == [dora.id, world.creator.id]


def test_an_unknown_sort_falls_back_to_net(app_ctx) -> None:
    world, _ = _worked_example()
    since, until = _period()
    data = economics.sample_economics(world.store.id, "USD", since, until, sort="__class__")
    assert [row.net for row in data.rows] == [3230, -850]


def test_csv_has_a_header_rows_and_total_in_major_units(app_ctx) -> None:
    world, _ = _worked_example()
    since, until = _period()
    data = economics.sample_economics(world.store.id, "USD", since, until)
    rows = list(csv.reader(io.StringIO(data.csv_text())))
    assert rows[0][0] == "creator"
    assert rows[0][-1] == "net contribution (USD)"
    assert rows[1][2:] == ["1", "12.70", "1", "2", "50.00", "5.00", "32.30"]
    assert rows[2][-1] == "'-8.50"  # a leading minus would run as a formula
    assert rows[-1][0] == "Total"
    assert rows[-1][-1] == "23.80"


def test_csv_cells_never_start_a_formula(app_ctx) -> None:
    data = economics.Economics(
        "creator",
        utcnow(),
        utcnow(),
        "USD",
        [EconomicsRow(1, '=HYPERLINK("x")', "@evil")],
        EconomicsRow(0, "Total"),
    )
    rows = list(csv.reader(io.StringIO(data.csv_text())))
    assert rows[1][0] == '\'=HYPERLINK("x")'


def test_net_is_gmv_minus_commission_minus_sample_cost() -> None:
    row = EconomicsRow(1, samples=1, sample_cost=1270, gmv=5000, commission=500)
    assert row.net == 3230
    assert Sales().gmv == 0
