"""The buyer's catalogue: home, categories, search, product and store pages, and the uploaded
images they show (``/media``)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from flask import (
    abort,
    current_app,
    g,
    has_request_context,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from core.extensions import db
from core.money import parse_amount
from core.web import fragments, pagecache
from core.web.pagination import page_arg
from shop.blueprints import shop_bp as bp
from shop.catalog import queries
from shop.catalog.cards import card_fragments
from shop.catalog.models import Category
from shop.catalog.queries import LISTING_SORTS, SEARCH_SORTS, CategoryTree, Filters, Sort
from shop.catalog.search import clean_query
from shop.promotions import offers as promotion_offers
from shop.promotions import vouchers as promotion_vouchers
from shop.reviews.views import product_reviews_context

log = logging.getLogger(__name__)

LOW_STOCK = 5
MEDIA_MAX_AGE = 365 * 24 * 3600
# Only the files that shop.catalog.images writes are served: random, sharded WebP names.
_MEDIA_NAME = re.compile(r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}(?:-thumb)?\.webp")


def category_tree() -> CategoryTree:
    """The category tree, loaded once per request (the navbar and the pages share it)."""
    if "shop_category_tree" not in g:
        g.shop_category_tree = queries.load_category_tree()
    return g.shop_category_tree


def _search_category_tree() -> CategoryTree:
    """The tree for the search page's category filter: kept per catalogue version (its
    categories detached from any session) while the page cache is on, else this request's."""
    kept = fragments.versioned("category-tree", _detached_category_tree)
    return kept if kept is not None else category_tree()


def _detached_category_tree() -> CategoryTree:
    tree = queries.load_category_tree()
    for category in tree.by_slug.values():
        db.session.expunge(category)
    return tree


def _category_menu() -> Markup:
    """The navbar's category menu, rendered once per catalogue version and shared by every
    page and user; empty if the database cannot answer (error pages)."""
    try:
        menu: Markup = pagecache.shared_value("category-menu", _render_category_menu)
        return menu
    except SQLAlchemyError:
        log.warning("category tree unavailable for the navbar", exc_info=True)
        db.session.rollback()
        return Markup()


def _render_category_menu() -> Markup:
    tree = category_tree() if "shop_category_tree" in g else queries.load_category_tree()
    return Markup(render_template("shop/_category_menu.html", tree=tree))  # noqa: S704 - our own template


def media_url(path: str | None) -> str | None:
    """The URL of an uploaded file, or None (the template shows a placeholder)."""
    if not path or "shop.media" not in current_app.view_functions:
        return None
    return url_for("shop.media", filename=path)


@dataclass(frozen=True)
class StockState:
    """What an option's stock reads as on the product page, and how it is shown."""

    label: str
    tone: str  # a Bootstrap text colour class


def stock_state(stock: int) -> StockState:
    if stock <= 0:
        return StockState("Sold out", "text-danger")
    if stock <= LOW_STOCK:
        return StockState(f"Only {stock} left", "text-warning-emphasis")
    return StockState("In stock", "text-success")


@bp.app_context_processor
def inject_catalogue_helpers() -> dict[str, Any]:
    return {
        "shop_category_menu": _category_menu,
        "media_url": media_url,
        "card_fragments": card_fragments,
    }


@bp.url_defaults
def keep_view_args(endpoint: str, values: dict[str, Any]) -> None:
    """Links from a page to itself (pagination, sorting) keep its slug or handle."""
    if has_request_context() and endpoint == request.endpoint and request.view_args:
        for key, value in request.view_args.items():
            values.setdefault(key, value)


def parse_price_range(
    args: Mapping[str, str], currency: str, messages: list[str]
) -> tuple[int | None, int | None]:
    """``min``/``max`` prices from query arguments; bad ones are dropped with a message."""
    prices: dict[str, int | None] = {"min": None, "max": None}
    for name, label in (("min", "minimum"), ("max", "maximum")):
        raw = args.get(name, "").strip()
        if not raw:
            continue
        try:
            value = parse_amount(raw.lstrip("$"), currency)
        except ValueError:
            messages.append(f"The {label} price “{raw[:20]}” is not an amount; it was ignored.")
            continue
        if value < 0:
            messages.append(f"The {label} price cannot be negative; it was ignored.")
            continue
        prices[name] = value
    low, high = prices["min"], prices["max"]
    if low is not None and high is not None and low > high:
        low, high = high, low
        messages.append("The minimum price was above the maximum; they were swapped.")
    return low, high


def _parse_filters(
    sorts: tuple[Sort, ...], *, tree: CategoryTree | None = None
) -> tuple[Filters, list[str], Category | None]:
    """Filters from the query string; bad values are dropped with a message for the page."""
    messages: list[str] = []
    currency = current_app.config["DEFAULT_CURRENCY"]
    low, high = parse_price_range(request.args, currency, messages)

    sort = next((s for s in sorts if s.value == request.args.get("sort")), sorts[0])
    category = None
    category_ids = None
    if tree is not None and request.args.get("category"):
        category = tree.by_slug.get(request.args["category"])
        if category is None:
            messages.append("That category does not exist; showing all categories.")
        else:
            category_ids = tree.subtree_ids(category)
    filters = Filters(sort=sort, min_price=low, max_price=high, category_ids=category_ids)
    return filters, messages, category


def _buyer_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def _page_url() -> str:
    """This page's path and query, for forms that come back to it (Collect a voucher)."""
    return request.full_path.rstrip("?")


@bp.get("/")
def home() -> ResponseReturnValue:
    return pagecache.render_page("shop/home.html", _home_context)


def _home_context() -> dict[str, Any]:
    featured = queries.featured_products(queries.HOME_FEATURED)
    newest = queries.newest_products(queries.HOME_NEWEST)
    return {
        "featured": featured,
        "newest": newest,
        "categories": category_tree().roots,
        "offers": promotion_offers.product_offers([*featured, *newest]),
    }


@bp.get("/c/<slug>")
def category(slug: str) -> ResponseReturnValue:
    return pagecache.render_page("shop/category.html", lambda: _category_context(slug))


def _category_context(slug: str) -> dict[str, Any]:
    tree = category_tree()
    current = tree.by_slug.get(slug)
    if current is None:
        abort(404)
    filters, messages, _ = _parse_filters(LISTING_SORTS)
    filters = replace(filters, category_ids=tree.subtree_ids(current))
    page = queries.list_products(filters, page_arg())
    return {
        "category": current,
        "trail": tree.path(current),
        "subcategories": tree.children.get(current.id, []),
        "siblings": tree.children.get(current.parent_id, []) if current.parent_id else [],
        "page": page,
        "offers": promotion_offers.product_offers(page.items),
        "filters": filters,
        "sorts": LISTING_SORTS,
        "messages": messages,
    }


@bp.get("/search")
def search() -> ResponseReturnValue:
    # Kept per query string like the other public pages: a popular query is served from the
    # page cache until the catalogue changes.
    return pagecache.render_page("shop/search.html", _search_context)


def _search_context() -> dict[str, Any]:
    text = clean_query(request.args.get("q"))
    sorts = SEARCH_SORTS if text else LISTING_SORTS
    tree = _search_category_tree()
    filters, messages, chosen = _parse_filters(sorts, tree=tree)
    if text:
        page = queries.search_products(text, filters, page_arg())
    else:
        page = queries.list_products(filters, page_arg())
    return {
        "search_count_cap": queries.SEARCH_COUNT_CAP,
        "q": text,
        "page": page,
        "offers": promotion_offers.product_offers(page.items),
        "filters": filters,
        "sorts": sorts,
        "messages": messages,
        "chosen_category": chosen,
        "tree": tree,
    }


@bp.get("/p/<int:product_id>")
def product(product_id: int) -> ResponseReturnValue:
    return pagecache.render_page("shop/product.html", lambda: _product_context(product_id))


def _product_context(product_id: int) -> dict[str, Any]:
    found = queries.get_active_product(product_id)
    if found is None:
        abort(404)
    variants = [v for v in found.variants if v.active]
    available = [v for v in variants if v.stock > 0]
    offers = promotion_offers.variant_offers(variants, buyer_id=_buyer_id())
    return {
        "product": found,
        "variants": variants,
        "selected": available[0] if available else None,
        "max_quantity": max((v.stock for v in available), default=1),
        "stock_state": stock_state,
        "trail": category_tree().path(found.category),
        "variant_offers": offers,
        "product_offer": promotion_offers.product_offer(variants, offers),
        "vouchers": promotion_vouchers.public_vouchers(
            found.store_id,
            product_id=found.id,
            buyer_id=_buyer_id(),
            locale=current_app.config["MONEY_LOCALE"],
        ),
        "back_url": _page_url(),
        **product_reviews_context(found),
    }


@bp.get("/s/<handle>")
def store(handle: str) -> ResponseReturnValue:
    return pagecache.render_page("shop/store.html", lambda: _store_context(handle))


def _store_context(handle: str) -> dict[str, Any]:
    found = queries.get_store_by_handle(handle)
    if found is None:
        abort(404)
    filters, messages, _ = _parse_filters(LISTING_SORTS)
    page_number = page_arg()
    featured = (
        queries.featured_products(queries.STORE_FEATURED, store_id=found.id)
        if page_number == 1
        else []
    )
    page = queries.list_products(filters, page_number, store_id=found.id)
    return {
        "store": found,
        "featured": featured,
        "page": page,
        "filters": filters,
        "sorts": LISTING_SORTS,
        "messages": messages,
        "offers": promotion_offers.product_offers([*featured, *page.items]),
        "vouchers": promotion_vouchers.public_vouchers(
            found.id, buyer_id=_buyer_id(), locale=current_app.config["MONEY_LOCALE"]
        ),
        "back_url": _page_url(),
    }


# --- media -----------------------------------------------------------------------------------


@bp.get("/media/<path:filename>")
def media(filename: str) -> ResponseReturnValue:
    """Serve an uploaded image: random immutable names, so caches may keep them for a year."""
    if not _MEDIA_NAME.fullmatch(filename):
        abort(404)
    response = send_from_directory(
        current_app.config["UPLOAD_DIR"], filename, mimetype="image/webp", max_age=MEDIA_MAX_AGE
    )
    response.headers["Cache-Control"] = f"public, max-age={MEDIA_MAX_AGE}, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
