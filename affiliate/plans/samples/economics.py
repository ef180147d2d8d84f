"""Sample economics: what a store's free samples cost against what the content sold.

For a period ``[since, until)``, per creator or per product: the samples approved in it, their
cost (the variant's cost price at approval, 0 when unrecorded, plus the shipping the seller
recorded), the content the creator posted with the product, and the orders, GMV and
commission (net of reversals) through that content in the period, for the creator–product
pairs that received a sample in the period. Net contribution = GMV − commission − sample cost.

A page is a constant number of statements: the samples, content, sales, creators' names,
products' titles and the lines listed under the table (one each).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select

from affiliate.plans.samples import hooks
from affiliate.plans.samples.hooks import Pair, SaleLine
from affiliate.plans.samples.models import SampleRequest, SampleStatus
from affiliate.profiles.models import CreatorProfile
from core.accounts.models import User
from core.extensions import db
from core.money import to_decimal
from core.web.csv import spreadsheet_cell
from shop.catalog.models import Product

By = Literal["creator", "product"]
SORTS = ("name", "samples", "sample_cost", "content", "orders", "gmv", "commission", "net")
MAX_LINES = 200
CHART_BARS = 10


@dataclass
class EconomicsRow:
    key: int
    name: str = ""
    detail: str = ""  # a creator's @handle, a product's id
    samples: int = 0
    sample_cost: int = 0
    content: int = 0
    orders: int = 0
    gmv: int = 0
    commission: int = 0

    @property
    def net(self) -> int:
        """GMV − commission − sample cost."""
        return self.gmv - self.commission - self.sample_cost

    def add(self, other: EconomicsRow) -> None:
        self.samples += other.samples
        self.sample_cost += other.sample_cost
        self.content += other.content
        self.orders += other.orders
        self.gmv += other.gmv
        self.commission += other.commission


@dataclass(frozen=True)
class Bar:
    label: str
    net: int
    width: float  # percent of the half-width, 0–100
    y: int


@dataclass
class Economics:
    by: By
    since: datetime
    until: datetime
    currency: str
    rows: list[EconomicsRow]
    totals: EconomicsRow
    lines: list[SaleLine] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)  # creator names, for the lines
    titles: dict[int, str] = field(default_factory=dict)  # product titles, for the lines

    @property
    def lines_complete(self) -> bool:
        return len(self.lines) < MAX_LINES

    def bars(self) -> list[Bar]:
        """The chart: net contribution of the rows with the largest, as horizontal bars."""
        top = sorted(self.rows, key=lambda r: abs(r.net), reverse=True)[:CHART_BARS]
        scale = max((abs(r.net) for r in top), default=0) or 1
        return [
            Bar(r.name, r.net, round(abs(r.net) * 100 / scale, 1), 24 * i)
            for i, r in enumerate(top)
        ]

    def money(self, amount: int) -> str:
        return str(to_decimal(amount, self.currency))

    def csv_text(self) -> str:
        """The table as CSV (built at once; every cell safe to open in a spreadsheet)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            [
                self.by,
                "detail",
                "samples",
                f"sample cost ({self.currency})",
                "content",
                "orders",
                f"GMV ({self.currency})",
                f"commission ({self.currency})",
                f"net contribution ({self.currency})",
            ]
        )
        for row in [*self.rows, self.totals]:
            writer.writerow(
                spreadsheet_cell(value)
                for value in (
                    row.name,
                    row.detail,
                    str(row.samples),
                    self.money(row.sample_cost),
                    str(row.content),
                    str(row.orders),
                    self.money(row.gmv),
                    self.money(row.commission),
                    self.money(row.net),
                )
            )
        return buffer.getvalue()


def _sort_key(sort: str) -> Callable[[EconomicsRow], tuple[object, int]]:
    if sort == "name":
        return lambda r: (r.name.lower(), r.key)
    return lambda r: (getattr(r, sort), r.key)


def sample_economics(
    store_id: int,
    currency: str,
    since: datetime,
    until: datetime,
    *,
    by: By = "creator",
    sort: str = "net",
    descending: bool = True,
    with_lines: bool = True,
) -> Economics:
    """The store's sample economics for ``[since, until)``, one row per creator or product."""
    sort = sort if sort in SORTS else "net"
    sent = db.session.execute(
        select(
            SampleRequest.creator_id,
            SampleRequest.product_id,
            func.count(SampleRequest.id),
            func.coalesce(
                func.sum(func.coalesce(SampleRequest.unit_cost, 0) + SampleRequest.shipping_cost),
                0,
            ),
        )
        .where(
            SampleRequest.store_id == store_id,
            SampleRequest.status == SampleStatus.APPROVED.value,
            SampleRequest.decided_at >= since,
            SampleRequest.decided_at < until,
        )
        .group_by(SampleRequest.creator_id, SampleRequest.product_id)
    ).all()
    pairs: list[Pair] = [(c, p) for c, p, _, _ in sent]
    figures = hooks.sample_figures()
    content = figures.content_counts(store_id, since, until) if pairs else {}
    sales = figures.sales(store_id, since, until) if pairs else {}
    lines = (
        figures.sale_lines(store_id, since, until, pairs, MAX_LINES) if pairs and with_lines else []
    )
    names, handles, titles = _names(pairs)
    grouped: dict[int, EconomicsRow] = {}
    for creator_id, product_id, count, cost in sent:
        key = creator_id if by == "creator" else product_id
        row = grouped.get(key)
        if row is None:
            if by == "creator":
                handle = handles.get(creator_id)
                row = EconomicsRow(key, names.get(creator_id, "?"), f"@{handle}" if handle else "")
            else:
                row = EconomicsRow(key, titles.get(product_id, "?"), f"#{product_id}")
            grouped[key] = row
        sold = sales.get((creator_id, product_id))
        row.add(
            EconomicsRow(
                key,
                samples=count,
                sample_cost=int(cost),
                content=content.get((creator_id, product_id), 0),
                orders=sold.orders if sold else 0,
                gmv=sold.gmv if sold else 0,
                commission=sold.commission if sold else 0,
            )
        )
    rows = sorted(grouped.values(), key=_sort_key(sort), reverse=descending)
    totals = EconomicsRow(0, "Total")
    for row in rows:
        totals.add(row)
    return Economics(by, since, until, currency, rows, totals, lines, names, titles)


def _names(pairs: Sequence[Pair]) -> tuple[dict[int, str], dict[int, str], dict[int, str]]:
    """Creators' names and handles (one statement), and products' titles (one statement)."""
    if not pairs:
        return {}, {}, {}
    creator_ids = sorted({c for c, _ in pairs})
    product_ids = sorted({p for _, p in pairs})
    names: dict[int, str] = {}
    handles: dict[int, str] = {}
    for ident, name, handle in db.session.execute(
        select(
            User.id,
            func.coalesce(CreatorProfile.display_name, User.display_name),
            CreatorProfile.handle,
        )
        .outerjoin(CreatorProfile, CreatorProfile.user_id == User.id)
        .where(User.id.in_(creator_ids))
    ):
        names[ident] = name
        if handle:
            handles[ident] = handle
    rows = db.session.execute(select(Product.id, Product.title).where(Product.id.in_(product_ids)))
    titles = dict(rows.all())
    return names, handles, titles
