"""Planning an import: check parsed rows against a store and work out every write.

The store's catalogue is read in three queries (categories, products, variants); everything
else happens in memory, so that checking 100,000 rows costs no query per row. Nothing here
writes: ``services`` executes the plan.

Matching: a handle names the store's product with that handle; failing that, a generated
handle ``p-<id>`` or the rows' SKUs name a product made without a handle (which then takes
the file's handle). A SKU already in the store updates that variant; it must belong to the
product that its row's handle names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Category, Product, ProductStatus, Store, Variant
from shop.sync import csv_format
from shop.sync.csv_format import ParsedFile, Row, RowError


@dataclass
class ProductChange:
    """What an import does to one product (one handle of the file)."""

    handle: str
    title: str
    first_line: int
    rows: int
    product_id: int | None  # None until a new product is inserted
    is_new: bool
    product_values: dict[str, Any] | None = None  # insert (new) or update (changed) values
    variant_inserts: list[dict[str, Any]] = field(default_factory=list)
    variant_updates: list[dict[str, Any]] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return (
            not self.is_new
            and self.product_values is None
            and not self.variant_inserts
            and not self.variant_updates
        )


@dataclass
class ImportPlan:
    rows: int
    errors: list[RowError]
    changes: list[ProductChange]
    ignored_columns: tuple[str, ...] = ()
    variants_to_create: int = 0
    variants_to_update: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def products_to_create(self) -> int:
        return sum(1 for change in self.changes if change.is_new)

    @property
    def products_to_update(self) -> int:
        return sum(1 for change in self.changes if not change.is_new)

    @property
    def products_unchanged(self) -> int:
        return sum(1 for change in self.changes if change.unchanged)

    @property
    def variants(self) -> int:
        return self.variants_to_create + self.variants_to_update


@dataclass
class _Existing:
    """The store's catalogue as the planner needs it, read in three queries."""

    categories: dict[str, int]
    products: dict[int, dict[str, Any]]
    by_handle: dict[str, int]
    variants: dict[str, dict[str, Any]]  # by SKU
    variants_of: dict[int, list[dict[str, Any]]]  # by product id


def _load_existing(store_id: int) -> _Existing:
    categories = dict(db.session.execute(select(Category.slug, Category.id)).all())
    product_columns = (
        Product.id,
        Product.handle,
        Product.title,
        Product.description,
        Product.category_id,
        Product.status,
        Product.compare_at_price,
        Product.price,
        Product.currency,
    )
    products = {
        row["id"]: dict(row)
        for row in db.session.execute(
            select(*product_columns).where(Product.store_id == store_id)
        ).mappings()
    }
    by_handle = {p["handle"]: pid for pid, p in products.items() if p["handle"] is not None}
    variants: dict[str, dict[str, Any]] = {}
    variants_of: dict[int, list[dict[str, Any]]] = {}
    variant_columns = (
        Variant.id,
        Variant.product_id,
        Variant.sku,
        Variant.option1,
        Variant.option2,
        Variant.price,
        Variant.stock,
        Variant.position,
        Variant.active,
    )
    for row in db.session.execute(
        select(*variant_columns).where(Variant.store_id == store_id)
    ).mappings():
        variant = dict(row)
        variants[variant["sku"]] = variant
        variants_of.setdefault(variant["product_id"], []).append(variant)
    return _Existing(categories, products, by_handle, variants, variants_of)


def _product_name(existing: _Existing, product_id: int) -> str:
    return existing.products[product_id]["handle"] or csv_format.generated_handle(product_id)


# --- planning ----------------------------------------------------------------------------


def plan_import(store: Store, parsed: ParsedFile, *, row_count: int | None = None) -> ImportPlan:
    """Check parsed rows against the store and work out every write, writing nothing."""
    existing = _load_existing(store.id)
    errors = list(parsed.errors)
    groups: dict[str, list[Row]] = {}
    for row in parsed.rows:
        groups.setdefault(row.handle, []).append(row)

    first_sku_line: dict[str, int] = {}  # also across rows with cell errors
    for row in parsed.rows:
        if row.sku in first_sku_line:
            errors.append(
                RowError(
                    row.line,
                    "sku",
                    f"duplicate SKU {row.sku!r}, already on line {first_sku_line[row.sku]}",
                )
            )
        else:
            first_sku_line[row.sku] = row.line

    now = utcnow()
    claimed: dict[int, str] = {}
    plan = ImportPlan(
        rows=row_count if row_count is not None else len(parsed.rows),
        errors=errors,
        changes=[],
        ignored_columns=parsed.ignored_columns,
    )
    for handle, rows in groups.items():
        plan.changes.append(_plan_product(store, handle, rows, existing, claimed, errors, now))
    plan.variants_to_update = sum(1 for row in parsed.rows if row.sku in existing.variants)
    plan.variants_to_create = len(parsed.rows) - plan.variants_to_update
    errors.sort()
    return plan


def _resolve_product(handle: str, rows: list[Row], existing: _Existing) -> int | None:
    """The existing product that a handle names: by handle, generated handle, or SKU."""
    if handle in existing.by_handle:
        return existing.by_handle[handle]
    generated = csv_format.generated_handle_id(handle)
    if generated is not None:
        product = existing.products.get(generated)
        if product is not None and product["handle"] is None:
            return generated
    owners = {
        existing.variants[row.sku]["product_id"] for row in rows if row.sku in existing.variants
    }
    if len(owners) == 1:
        (owner,) = owners
        if existing.products[owner]["handle"] is None:
            return owner
    return None


def _plan_product(
    store: Store,
    handle: str,
    rows: list[Row],
    existing: _Existing,
    claimed: dict[int, str],
    errors: list[RowError],
    now: datetime,
) -> ProductChange:
    first = rows[0]
    found: list[RowError] = []
    for column in csv_format.PRODUCT_COLUMNS:
        expected = getattr(first, column)
        for row in rows[1:]:
            value = getattr(row, column)
            if value is not None and value != expected:
                found.append(
                    RowError(
                        row.line,
                        column,
                        f"differs from line {first.line}, the first row of {handle!r} "
                        "(leave it empty or repeat the same value)",
                    )
                )
    if first.title is None:
        found.append(RowError(first.line, "title", f"is required on the first row of {handle!r}"))

    product_id = _resolve_product(handle, rows, existing)
    if product_id is not None and product_id in claimed:
        product_id = None  # another handle of this file already names it: its SKUs clash below
    if product_id is not None:
        claimed[product_id] = handle

    category_id: int | None = None
    if first.category is not None:
        category_id = existing.categories.get(first.category)
        if category_id is None:
            found.append(RowError(first.line, "category", f"unknown category {first.category!r}"))
    elif product_id is None:
        found.append(
            RowError(first.line, "category", "is required for a new product (a category slug)")
        )

    options_seen: dict[tuple[str, str], int] = {}
    for row in rows:
        variant = existing.variants.get(row.sku)
        if variant is not None and variant["product_id"] != product_id:
            owner = _product_name(existing, variant["product_id"])
            found.append(
                RowError(
                    row.line,
                    "sku",
                    f"SKU {row.sku!r} belongs to another product of your store ({owner!r})",
                )
            )
        options = (
            row.option1 if row.option1 is not None else (variant or {}).get("option1", ""),
            row.option2 if row.option2 is not None else (variant or {}).get("option2", ""),
        )
        if options in options_seen and len(rows) > 1:
            found.append(
                RowError(
                    row.line,
                    "option1",
                    f"same options as line {options_seen[options]} of {handle!r}",
                )
            )
        options_seen.setdefault(options, row.line)

    change = ProductChange(
        handle=handle,
        title=first.title or "",
        first_line=first.line,
        rows=len(rows),
        product_id=product_id,
        is_new=product_id is None,
    )
    errors.extend(found)
    if found or any(row.has_errors for row in rows):
        return change  # nothing will be written: no need to plan the writes
    if product_id is None:
        _plan_new_product(change, store, rows, category_id, now)
    else:
        _plan_existing_product(change, store, rows, category_id, existing, now)
    return change


def _plan_new_product(
    change: ProductChange,
    store: Store,
    rows: list[Row],
    category_id: int | None,
    now: datetime,
) -> None:
    first = rows[0]
    change.product_values = {
        "store_id": store.id,
        "handle": change.handle,
        "title": first.title,
        "description": first.description or "",
        "category_id": category_id,
        "status": first.status or ProductStatus.DRAFT.value,
        "currency": store.currency,
        "price": min(row.price for row in rows if row.price is not None),
        "compare_at_price": first.compare_at_price,
        "featured": False,
        "sold_count": 0,
        "created_at": now,
        "updated_at": now,
    }
    change.variant_inserts = [
        _new_variant(store, None, row, position) for position, row in enumerate(rows)
    ]


def _new_variant(store: Store, product_id: int | None, row: Row, position: int) -> dict[str, Any]:
    return {
        "product_id": product_id,
        "store_id": store.id,
        "sku": row.sku,
        "option1": row.option1 or "",
        "option2": row.option2 or "",
        "price": row.price,
        "stock": row.stock or 0,
        "position": position,
        "active": True,
    }


def _plan_existing_product(
    change: ProductChange,
    store: Store,
    rows: list[Row],
    category_id: int | None,
    existing: _Existing,
    now: datetime,
) -> None:
    product_id = change.product_id
    assert product_id is not None
    current = existing.products[product_id]
    variants = {v["id"]: dict(v) for v in existing.variants_of.get(product_id, [])}
    next_position = max((v["position"] for v in variants.values()), default=-1) + 1
    for row in rows:
        variant = existing.variants.get(row.sku)
        if variant is None:
            new = _new_variant(store, product_id, row, next_position)
            next_position += 1
            change.variant_inserts.append(new)
            continue
        wanted = {
            "id": variant["id"],
            "option1": row.option1 if row.option1 is not None else variant["option1"],
            "option2": row.option2 if row.option2 is not None else variant["option2"],
            "price": row.price,
            "stock": row.stock if row.stock is not None else variant["stock"],
            "position": variant["position"],
            "active": True,
        }
        variants[variant["id"]] = {**variant, **wanted}
        if any(wanted[key] != variant[key] for key in wanted):
            change.variant_updates.append(wanted)

    prices = [v["price"] for v in variants.values() if v["active"]]
    prices += [v["price"] for v in change.variant_inserts]
    first = rows[0]
    wanted_product = {
        "id": product_id,
        "handle": change.handle,
        "title": first.title,
        "description": first.description
        if first.description is not None
        else current["description"],
        "category_id": category_id if category_id is not None else current["category_id"],
        "status": first.status or current["status"],
        "currency": store.currency,
        "price": min(prices, default=0),
        "compare_at_price": first.compare_at_price
        if first.compare_at_price is not None
        else current["compare_at_price"],
    }
    if any(wanted_product[key] != current[key] for key in wanted_product):
        change.product_values = {**wanted_product, "updated_at": now}
