"""Factories for shop data. They write rows directly (no ledger postings, no signals):
tests of money paths go through the services instead."""

from __future__ import annotations

import factory
from sqlalchemy import select

from core.accounts.models import Role, User
from core.extensions import db
from shop.catalog.models import Category, Product, ProductStatus, Store, Variant
from shop.orders.models import Order, OrderLine, OrderStatus
from tests.factories import BaseFactory, make_user


def category(slug: str = "beauty-skincare") -> Category:
    """A category of the tree the migration seeded."""
    return db.session.scalars(select(Category).where(Category.slug == slug)).one()


class StoreFactory(BaseFactory):
    class Meta:
        model = Store

    owner = factory.LazyFunction(lambda: make_user(Role.SELLER))
    name = factory.Sequence(lambda n: f"Store {n}")
    handle = factory.Sequence(lambda n: f"store-{n}")
    description = "A store made by the tests."
    currency = "USD"
    return_address = "1 Test Street, Testville"


class ProductFactory(BaseFactory):
    class Meta:
        model = Product

    store = factory.SubFactory(StoreFactory)
    category = factory.LazyFunction(category)
    title = factory.Sequence(lambda n: f"Product {n}")
    description = "A product made by the tests."
    status = ProductStatus.ACTIVE.value
    currency = factory.SelfAttribute("store.currency")
    price = 1999


class VariantFactory(BaseFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory)
    store_id = factory.SelfAttribute("product.store_id")
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    price = factory.SelfAttribute("product.price")
    stock = 10


def make_store(owner: User | None = None, **kwargs: object) -> Store:
    if owner is not None:
        kwargs["owner"] = owner
    return StoreFactory(**kwargs)


def make_product(
    store: Store | None = None,
    *,
    variants: int = 1,
    price: int = 1999,
    stock: int = 10,
    **kwargs: object,
) -> Product:
    """An active product with ``variants`` variants (options Size S, M, L...)."""
    store = store or make_store()
    product = ProductFactory(store=store, price=price, **kwargs)
    sizes = ["S", "M", "L", "XL", "XXL"]
    for index in range(variants):
        VariantFactory(
            product=product,
            price=price,
            stock=stock,
            option1=sizes[index % len(sizes)] if variants > 1 else "",
            position=index,
        )
    db.session.refresh(product)
    return product


def make_order(
    buyer: User,
    variants: list[tuple[Variant, int]],
    status: OrderStatus = OrderStatus.PAID,
    **kwargs: object,
) -> Order:
    """An order of one store in ``status``, written directly (no payment, no ledger)."""
    store_id = variants[0][0].store_id
    store = db.session.get(Store, store_id)
    subtotal = sum(v.price * q for v, q in variants)
    order = Order(
        buyer_id=buyer.id,
        store_id=store_id,
        status=status.value,
        currency=store.currency,
        subtotal=subtotal,
        total=subtotal,
        ship_to="Bea Buyer, 1 Main St, Springfield, 12345, US",
        **kwargs,
    )
    db.session.add(order)
    db.session.flush()
    for variant, quantity in variants:
        product = variant.product
        db.session.add(
            OrderLine(
                order_id=order.id,
                product_id=product.id,
                variant_id=variant.id,
                title=product.title,
                variant_name=variant.name,
                sku=variant.sku,
                unit_price=variant.price,
                quantity=quantity,
                amount=variant.price * quantity,
            )
        )
    db.session.commit()
    return order
