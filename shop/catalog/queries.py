"""Read-side queries of the buyer's catalogue: listings, search, product and store pages.

Every function runs a fixed number of statements whatever the number of rows: lists are
paginated in the database (LIMIT/OFFSET, with a COUNT(*) beside them), and what a template
shows is loaded here, explicitly; anything else raises rather than loading lazily.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import defer, joinedload, raiseload, selectinload

from core.extensions import db
from core.web.pagination import Page
from shop.catalog import search_paging
from shop.catalog.models import Category, Product, ProductStatus, Store
from shop.catalog.search import SearchClause

SEARCH_COUNT_CAP = search_paging.SEARCH_COUNT_CAP  # the search page shows "1,000+" from it

PER_PAGE = 24
HOME_FEATURED = 8
HOME_NEWEST = 12
STORE_FEATURED = 4


class Sort(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    BEST_SELLING = "best_selling"
    RATING = "rating"

    @property
    def label(self) -> str:
        return SORT_LABELS[self]


SORT_LABELS = {
    Sort.RELEVANCE: "Best match",
    Sort.NEWEST: "Newest",
    Sort.PRICE_ASC: "Price: low to high",
    Sort.PRICE_DESC: "Price: high to low",
    Sort.BEST_SELLING: "Best-selling",
    Sort.RATING: "Top rated",
}
LISTING_SORTS = (Sort.NEWEST, Sort.PRICE_ASC, Sort.PRICE_DESC, Sort.BEST_SELLING, Sort.RATING)
SEARCH_SORTS = (Sort.RELEVANCE, *LISTING_SORTS)


@dataclass(frozen=True)
class Filters:
    """What a listing is narrowed and ordered by (prices in minor units)."""

    sort: Sort = Sort.NEWEST
    min_price: int | None = None
    max_price: int | None = None
    category_ids: tuple[int, ...] | None = None


@dataclass
class CategoryTree:
    """The fixed category tree, loaded in one statement."""

    roots: list[Category] = field(default_factory=list)
    children: dict[int, list[Category]] = field(default_factory=dict)
    by_slug: dict[str, Category] = field(default_factory=dict)

    def subtree_ids(self, category: Category) -> tuple[int, ...]:
        """The category and every category below it."""
        ids, stack = [], [category]
        while stack:
            current = stack.pop()
            ids.append(current.id)
            stack.extend(self.children.get(current.id, []))
        return tuple(ids)

    def path(self, category: Category) -> list[Category]:
        """From the root down to ``category`` (for breadcrumbs), without further statements."""
        by_id = {c.id: c for c in self.by_slug.values()}
        trail = [category]
        while trail[0].parent_id is not None and trail[0].parent_id in by_id:
            trail.insert(0, by_id[trail[0].parent_id])
        return trail


def load_category_tree() -> CategoryTree:
    categories = db.session.scalars(
        select(Category)
        .options(raiseload(Category.parent))
        .order_by(Category.position, Category.id)
    ).all()
    tree = CategoryTree()
    for category in categories:
        tree.by_slug[category.slug] = category
        if category.parent_id is None:
            tree.roots.append(category)
        else:
            tree.children.setdefault(category.parent_id, []).append(category)
    return tree


def _card_options() -> tuple:
    """What a product card shows: the product's own columns and its store's name."""
    return (
        defer(Product.description, raiseload=True),
        joinedload(Product.store).raiseload(Store.owner),
        raiseload(Product.category),
        raiseload(Product.variants),
        raiseload(Product.images),
    )


def _active() -> Select:
    return select(Product).where(Product.status == ProductStatus.ACTIVE.value)


def _order_by(sort: Sort, search: SearchClause | None) -> list[ColumnElement]:
    if sort is Sort.RELEVANCE and search is not None:
        return search.rank()
    return {
        Sort.PRICE_ASC: [Product.price.asc(), Product.id.asc()],
        Sort.PRICE_DESC: [Product.price.desc(), Product.id.desc()],
        Sort.BEST_SELLING: [Product.sold_count.desc(), Product.id.desc()],
        # The denormalised average (no reviews: 0, last), then the more reviewed.
        Sort.RATING: [
            Product.rating_avg_centi.desc(),
            Product.rating_count.desc(),
            Product.id.desc(),
        ],
    }.get(sort, [Product.created_at.desc(), Product.id.desc()])


def _filtered(statement: Select, filters: Filters) -> Select:
    if filters.min_price is not None:
        statement = statement.where(Product.price >= filters.min_price)
    if filters.max_price is not None:
        statement = statement.where(Product.price <= filters.max_price)
    if filters.category_ids is not None:
        statement = statement.where(Product.category_id.in_(filters.category_ids))
    return statement


def _page(statement: Select, order_by: Iterable[ColumnElement], page: int) -> Page[Product]:
    """One page of ``statement`` (a filtered ``select(Product)``) and the total: 2 statements."""
    counted = statement.with_only_columns(func.count(), maintain_column_froms=True)
    total = db.session.scalar(counted.order_by(None))
    items = db.session.scalars(
        statement.options(*_card_options())
        .order_by(*order_by)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return Page(items=list(items), page=page, per_page=PER_PAGE, total=total or 0)


def list_products(filters: Filters, page: int, store_id: int | None = None) -> Page[Product]:
    """Active products narrowed by ``filters`` (and a store), one page of them."""
    statement = _filtered(_active(), filters)
    if store_id is not None:
        statement = statement.where(Product.store_id == store_id)
    return _page(statement, _order_by(filters.sort, None), page)


def search_products(text: str, filters: Filters, page: int) -> Page[Product]:
    """Active products matching ``text``, ranked by relevance unless sorted otherwise."""
    search = SearchClause(text)
    if search.is_empty:
        return Page(items=[], page=page, per_page=PER_PAGE, total=0)
    return search_paging.search_page(
        search,
        _filtered(_active(), filters),
        _order_by(filters.sort, search),
        page,
        PER_PAGE,
        _card_options,
        by_relevance=filters.sort is Sort.RELEVANCE,
    )


def featured_products(limit: int, store_id: int | None = None) -> list[Product]:
    statement = _active().where(Product.featured.is_(True))
    if store_id is not None:
        statement = statement.where(Product.store_id == store_id)
    return list(
        db.session.scalars(
            statement.options(*_card_options())
            .order_by(Product.sold_count.desc(), Product.id.desc())
            .limit(limit)
        )
    )


def newest_products(limit: int) -> list[Product]:
    return list(
        db.session.scalars(
            _active()
            .options(*_card_options())
            .order_by(Product.created_at.desc(), Product.id.desc())
            .limit(limit)
        )
    )


def get_active_product(product_id: int) -> Product | None:
    """An active product with all that its page shows: variants, images, store, category."""
    return db.session.scalars(
        _active()
        .where(Product.id == product_id)
        .options(
            selectinload(Product.variants),
            selectinload(Product.images),
            joinedload(Product.store).raiseload(Store.owner),
            joinedload(Product.category).raiseload(Category.parent),
        )
    ).one_or_none()


def get_store_by_handle(handle: str) -> Store | None:
    return db.session.scalars(
        select(Store).where(Store.handle == handle.lower()).options(raiseload(Store.owner))
    ).one_or_none()
