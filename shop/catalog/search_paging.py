"""One page of search results without reading every match.

Ranking every match (``ts_rank`` over 25,000 rows, or a RUM index, which also scores every
match before it returns the first) costs 60–95 ms on 100,000 products, whatever the page. This
module reads what the page needs instead, in at most four statements:

1. a **probe**: the matches counted up to ``SEARCH_COUNT_CAP + 1`` ("1,000+ products"), and how
   many of those are title matches (a sample of the title tier's density);
2. when the matches fit under the cap (a rare query, or the embedded SQLite), one statement ranks
   them all: a materialized set of the matching ids, numbered by the page's order (at most
   ``SEARCH_COUNT_CAP`` rows, read through the GIN / FTS5 index), joined to one page of products;
3. when they do not (a common query on PostgreSQL), the order itself is walked through an index
   and the walk stops at the page: for relevance, the title tier first (walked by
   ``ix_product_status_sold`` when title matches are dense, else ranked whole, as they are then
   few), then, if that tier ends on this page, the description-only matches (walked).

The materialized set also keeps PostgreSQL from walking a sort index for a rare query that its
statistics cannot tell from a common one (an unknown word is estimated at ~450 rows, and a walk
would then read the whole catalogue looking for them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import ColumnElement, Select, case, func, not_, select

from core.extensions import db
from core.web.pagination import Page
from shop.catalog.models import Product
from shop.catalog.search import POPULAR, SearchClause

#: A search matching more than this stops counting ("1,000+ products"), and pages stop there.
SEARCH_COUNT_CAP = 1000
#: Matches up to which one statement ranks them all (above it, the order is walked by index).
RANK_WHOLE_UP_TO = SEARCH_COUNT_CAP
#: Title matches in the probe's sample at or above which the title tier is walked by index.
DENSE_TITLE_MATCHES = 24


def search_page(
    search: SearchClause,
    filtered: Select,
    order_by: Sequence[ColumnElement],
    page: int,
    per_page: int,
    options: Callable[[], tuple],
    *,
    by_relevance: bool,
) -> Page[Product]:
    """One page of the matches of ``filtered`` (a filtered ``select(Product)``) in ``order_by``.

    ``by_relevance``: ``order_by`` is ``search.rank()`` (the tiers may then be walked).
    """
    statement = search.apply(filtered)
    total, titled = _probe(search, statement)
    if total > SEARCH_COUNT_CAP:
        page = min(page, max(1, -(-SEARCH_COUNT_CAP // per_page)))
    offset = (page - 1) * per_page
    fetch = _Fetch(per_page, options)
    if total == 0:
        items: list[Product] = []
    elif total <= RANK_WHOLE_UP_TO or not search.is_postgres:
        items = fetch.ranked_whole(statement, order_by, offset, per_page)
    elif not by_relevance:
        items = fetch.walked(statement, order_by, offset, per_page)
    else:
        dense = titled >= DENSE_TITLE_MATCHES
        items = _tiers(search, filtered, statement, offset, fetch, dense=dense)
    return Page(items=items, page=page, per_page=per_page, total=total)


def _probe(search: SearchClause, statement: Select) -> tuple[int, int]:
    """The matches up to the cap + 1, and how many of those are title matches."""
    sample = (
        statement.with_only_columns(search.in_title().label("titled"))
        .order_by(None)
        .limit(SEARCH_COUNT_CAP + 1)
        .subquery("sample")
    )
    total, titled = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((sample.c.titled, 1), else_=0)), 0))
    ).one()
    return int(total), int(titled)


def _tiers(
    search: SearchClause,
    filtered: Select,
    statement: Select,
    offset: int,
    fetch: _Fetch,
    *,
    dense: bool,
) -> list[Product]:
    """Title matches by popularity, then the other matches by popularity."""
    in_title = search.in_title()
    titled = search.apply_to_title(filtered)
    if dense:
        items = fetch.walked(titled, POPULAR, offset, fetch.per_page)
    else:
        items = fetch.ranked_whole(titled, POPULAR, offset, fetch.per_page)
    if len(items) == fetch.per_page:
        return items
    if items or offset == 0:
        title_count = offset + len(items)
    else:  # a page past the title tier: how long was it (at most ``offset`` rows)?
        counted = titled.with_only_columns(Product.id).order_by(None).limit(offset).subquery()
        title_count = db.session.scalar(select(func.count()).select_from(counted)) or 0
    rest = statement.where(not_(in_title))
    more = fetch.walked(rest, POPULAR, max(0, offset - title_count), fetch.per_page - len(items))
    return items + more


class _Fetch:
    """The two ways of reading a page of products."""

    def __init__(self, per_page: int, options: Callable[[], tuple]) -> None:
        self.per_page = per_page
        self.options = options

    def walked(
        self, statement: Select, order_by: Sequence[ColumnElement], offset: int, limit: int
    ) -> list[Product]:
        """In index order, stopping at the page (for matches known to be many)."""
        return list(
            db.session.scalars(
                statement.options(*self.options()).order_by(*order_by).limit(limit).offset(offset)
            )
        )

    def ranked_whole(
        self, statement: Select, order_by: Sequence[ColumnElement], offset: int, limit: int
    ) -> list[Product]:
        """Every match numbered in order (a materialized set, read by the text index), one page.

        For matches known to be few: at most ``SEARCH_COUNT_CAP`` rows are numbered.
        """
        ranked = (
            statement.with_only_columns(
                Product.id, func.row_number().over(order_by=list(order_by)).label("position")
            )
            .order_by(None)
            .cte("ranked")
            .prefix_with("MATERIALIZED")
        )
        top = (
            select(ranked.c.id, ranked.c.position)
            .order_by(ranked.c.position)
            .limit(limit)
            .offset(offset)
            .subquery("top")
        )
        return list(
            db.session.scalars(
                select(Product)
                .join(top, top.c.id == Product.id)
                .options(*self.options())
                .order_by(top.c.position)
            )
        )
