"""Seller: products and their variants, and bulk stock and price changes by SKU."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from api.v1.framework import Call, Param, Routes, not_found
from api.v1.pagination import CURSOR_PARAMS, page_of, paginate
from api.v1.problems import FieldError, validation_problem
from api.v1.representation import (
    ID_SCHEMA,
    MONEY_OR_NULL,
    MONEY_SCHEMA,
    TIME_SCHEMA,
    money,
    obj,
    page_schema,
    timestamp,
)
from core.extensions import db
from shop.catalog import seller_queries
from shop.catalog import services as catalog
from shop.catalog.exceptions import InvalidVariant
from shop.catalog.models import Category, Product, ProductStatus, Store, Variant
from shop.catalog.services import MAX_STOCK, MAX_VARIANTS, ProductInput, VariantInput
from shop.catalog.stores import get_store_for_owner

routes = Routes("Products", "A seller's products and their variants (SKUs, prices, stock).")

STATUSES = [s.value for s in ProductStatus]

VARIANT = obj(
    {
        "id": ID_SCHEMA,
        "sku": {"type": "string"},
        "option1": {"type": "string"},
        "option2": {"type": "string"},
        "price": MONEY_SCHEMA,
        "stock": {"type": "integer"},
        "active": {"type": "boolean"},
    }
)
PRODUCT = obj(
    {
        "id": ID_SCHEMA,
        "title": {"type": "string"},
        "description": {"type": "string"},
        "status": {"type": "string", "enum": STATUSES},
        "category_id": ID_SCHEMA,
        "price": MONEY_SCHEMA,
        "compare_at_price": MONEY_OR_NULL,
        "featured": {"type": "boolean"},
        "sold_count": {"type": "integer"},
        "variants": {"type": "array", "items": VARIANT},
        "created_at": TIME_SCHEMA,
        "updated_at": TIME_SCHEMA,
    }
)
VARIANT_IN = obj(
    {
        "id": {**ID_SCHEMA, "description": "An existing variant to keep (on update)."},
        "sku": {"type": "string", "minLength": 1, "maxLength": 64},
        "price": {"type": "integer", "minimum": 1, "description": "Minor units."},
        "stock": {"type": "integer", "minimum": 0, "maximum": MAX_STOCK},
        "option1": {"type": "string", "maxLength": 60},
        "option2": {"type": "string", "maxLength": 60},
    },
    required=["sku", "price", "stock"],
)
PRODUCT_FIELDS: dict[str, Any] = {
    "title": {"type": "string", "minLength": 1, "maxLength": 200},
    "description": {"type": "string", "maxLength": 20000},
    "category_id": ID_SCHEMA,
    "status": {"type": "string", "enum": STATUSES},
    "compare_at_price": {"type": ["integer", "null"], "minimum": 1},
    "featured": {"type": "boolean"},
    "variants": {
        "type": "array",
        "items": VARIANT_IN,
        "minItems": 1,
        "maxItems": MAX_VARIANTS,
    },
}
PRODUCT_CREATE = obj(PRODUCT_FIELDS, required=["title", "category_id", "variants"])
PRODUCT_UPDATE = obj(PRODUCT_FIELDS, required=[])
BULK_IN = obj(
    {
        "items": {
            "type": "array",
            "minItems": 1,
            "maxItems": 500,
            "items": obj(
                {
                    "sku": {"type": "string", "minLength": 1, "maxLength": 64},
                    "stock": {"type": "integer", "minimum": 0, "maximum": MAX_STOCK},
                    "price": {"type": "integer", "minimum": 1},
                },
                required=["sku"],
            ),
        }
    }
)
BULK_OUT = obj({"updated": {"type": "integer"}, "variants": {"type": "array", "items": VARIANT}})


def variant_json(variant: Variant, currency: str) -> dict[str, Any]:
    return {
        "id": variant.id,
        "sku": variant.sku,
        "option1": variant.option1 or "",
        "option2": variant.option2 or "",
        "price": money(variant.price, currency),
        "stock": variant.stock,
        "active": variant.active,
    }


def product_json(product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "title": product.title,
        "description": product.description,
        "status": product.status,
        "category_id": product.category_id,
        "price": money(product.price, product.currency),
        "compare_at_price": money(product.compare_at_price, product.currency),
        "featured": product.featured,
        "sold_count": product.sold_count,
        "variants": [variant_json(v, product.currency) for v in product.variants],
        "created_at": timestamp(product.created_at),
        "updated_at": timestamp(product.updated_at),
    }


def seller_store(call: Call) -> Store:
    store = get_store_for_owner(call.user.id)
    if store is None:
        raise not_found("store: open your store in the Seller centre first")
    return store


def owned_product(call: Call, product_id: int) -> Product:
    store = get_store_for_owner(call.user.id)
    product = seller_queries.get_store_product(store, product_id) if product_id < 2**63 else None
    if product is None:
        raise not_found("product")
    return product


def _variant_inputs(rows: list[dict[str, Any]]) -> list[VariantInput]:
    return [
        VariantInput(
            sku=row["sku"],
            price=row["price"],
            stock=row["stock"],
            option1=row.get("option1", ""),
            option2=row.get("option2", ""),
            id=row.get("id"),
        )
        for row in rows
    ]


def _with_variant_errors(error: InvalidVariant) -> Exception:
    """A variant refusal, as field errors that name the row."""
    if error.index is None:
        return validation_problem([FieldError("variants", str(error))], str(error))
    field = f"variants[{error.index}].{error.field or 'sku'}"
    return validation_problem([FieldError(field, str(error))], str(error))


CATEGORY = obj(
    {
        "id": ID_SCHEMA,
        "parent_id": {"type": ["integer", "null"]},
        "name": {"type": "string"},
        "slug": {"type": "string"},
    }
)


@routes.get(
    "/categories",
    scope="products:read",
    response=obj({"data": {"type": "array", "items": CATEGORY}}),
)
def list_categories(call: Call) -> dict[str, Any]:
    """List the catalogue's categories (a product's `category_id` is one of them)."""
    query = select(Category).order_by(
        Category.parent_id.is_not(None), Category.position, Category.id
    )
    return {
        "data": [
            {"id": c.id, "parent_id": c.parent_id, "name": c.name, "slug": c.slug}
            for c in db.session.scalars(query)
        ]
    }


@routes.get(
    "/products",
    scope="products:read",
    response=page_schema(PRODUCT),
    params=(Param("status", {"type": "string", "enum": STATUSES}), *CURSOR_PARAMS),
    paginated=True,
)
def list_products(call: Call) -> dict[str, Any]:
    """List the store's products, newest first."""
    store = seller_store(call)
    query = select(Product).where(Product.store_id == store.id)
    if "status" in call.query:
        query = query.where(Product.status == call.query["status"])
    rows, cursor = paginate(call, query, Product.id)
    return page_of([product_json(p) for p in rows], cursor)


@routes.get("/products/<int:product_id>", scope="products:read", response=PRODUCT, errors=[404])
def get_product(call: Call, product_id: int) -> dict[str, Any]:
    """Get one product with its variants."""
    return product_json(owned_product(call, product_id))


@routes.post(
    "/products",
    scope="products:write",
    body=PRODUCT_CREATE,
    response=PRODUCT,
    status=201,
    errors=[404, 422],
)
def create_product(call: Call) -> tuple[dict[str, Any], int]:
    """Create a product with its variants (a draft unless `status` says otherwise)."""
    store = seller_store(call)
    body = call.body
    data = ProductInput(
        title=body["title"],
        category_id=body["category_id"],
        description=body.get("description", ""),
        status=body.get("status", ProductStatus.DRAFT.value),
        compare_at_price=body.get("compare_at_price"),
        featured=body.get("featured", False),
    )
    try:
        product = catalog.create_product(store, data, _variant_inputs(body["variants"]))
    except InvalidVariant as error:
        raise _with_variant_errors(error) from error
    call.about("product", product.id)
    return product_json(product), 201


@routes.patch(
    "/products/<int:product_id>",
    scope="products:write",
    body=PRODUCT_UPDATE,
    response=PRODUCT,
    errors=[404, 422],
)
def update_product(call: Call, product_id: int) -> dict[str, Any]:
    """Change a product; `variants`, when given, replaces the variant list (keep rows by `id`)."""
    product = owned_product(call, product_id)
    body = call.body
    data = ProductInput(
        title=body.get("title", product.title),
        category_id=body.get("category_id", product.category_id),
        description=body.get("description", product.description),
        status=body.get("status", product.status),
        compare_at_price=body.get("compare_at_price", product.compare_at_price),
        featured=body.get("featured", product.featured),
    )
    if "variants" in body:
        variants = _variant_inputs(body["variants"])
    else:
        variants = [_as_input(v) for v in product.variants if v.active]
    try:
        catalog.update_product(product, data, variants)
    except InvalidVariant as error:
        raise _with_variant_errors(error) from error
    call.about("product", product.id)
    return product_json(product)


def _as_input(
    variant: Variant, *, stock: int | None = None, price: int | None = None
) -> VariantInput:
    """The variant as it is, with a new stock and/or price."""
    return VariantInput(
        sku=variant.sku,
        price=variant.price if price is None else price,
        stock=variant.stock if stock is None else stock,
        option1=variant.option1 or "",
        option2=variant.option2 or "",
        id=variant.id,
    )


@routes.post(
    "/products/<int:product_id>/archive",
    scope="products:write",
    response=PRODUCT,
    errors=[404],
)
def archive_product(call: Call, product_id: int) -> dict[str, Any]:
    """Archive a product: buyers no longer see it; its orders keep it."""
    product = owned_product(call, product_id)
    catalog.set_status(product.store, [product.id], ProductStatus.ARCHIVED.value)
    call.about("product", product.id)
    return product_json(product)


@routes.post(
    "/variants/bulk-update",
    scope="products:write",
    body=BULK_IN,
    response=BULK_OUT,
    errors=[404, 422],
)
def bulk_update_variants(call: Call) -> dict[str, Any]:
    """Set the stock and/or price of many variants by SKU, all or nothing."""
    store = seller_store(call)
    items = call.body["items"]
    wanted: dict[str, dict[str, Any]] = {}
    errors: list[FieldError] = []
    for index, item in enumerate(items):
        if "stock" not in item and "price" not in item:
            errors.append(FieldError(f"items[{index}]", "give stock, price or both"))
        if item["sku"].lower() in wanted:
            errors.append(FieldError(f"items[{index}].sku", "appears twice"))
        wanted[item["sku"].lower()] = item
    if errors:
        raise validation_problem(errors)
    variants = _variants_by_sku(store.id, list(wanted))
    found = {v.sku.lower(): v for v in variants}
    missing = [
        FieldError(f"items[{index}].sku", "is not a SKU of your store")
        for index, item in enumerate(items)
        if item["sku"].lower() not in found
    ]
    if missing:
        raise validation_problem(missing)
    by_product: dict[int, Product] = {v.product_id: v.product for v in variants}
    for product in sorted(by_product.values(), key=lambda p: p.id):
        inputs = []
        for variant in product.variants:
            if not variant.active:
                continue
            change = wanted.get(variant.sku.lower(), {})
            inputs.append(
                _as_input(
                    variant,
                    stock=change.get("stock", variant.stock),
                    price=change.get("price", variant.price),
                )
            )
        catalog.update_product(product, _product_input(product), inputs)
    call.about("store", store.id)
    return {
        "updated": len(variants),
        "variants": [variant_json(v, store.currency) for v in sorted(variants, key=lambda v: v.id)],
    }


def _variants_by_sku(store_id: int, skus: list[str]) -> list[Variant]:
    query = select(Variant).where(
        Variant.store_id == store_id, Variant.active.is_(True), func.lower(Variant.sku).in_(skus)
    )
    return list(db.session.scalars(query))


def _product_input(product: Product) -> ProductInput:
    return ProductInput(
        title=product.title,
        category_id=product.category_id,
        description=product.description,
        status=product.status,
        compare_at_price=product.compare_at_price,
        featured=product.featured,
    )
