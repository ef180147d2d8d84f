"""Demo data for the shop: stores with products, variants and generated images, and orders.

Registered with ``flask demo seed``; idempotent (a store whose handle exists is left alone).
Images are drawn here with Pillow (no downloads).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from PIL import Image, ImageDraw
from sqlalchemy import func, select

from core.accounts import services as accounts
from core.accounts.models import Role, User
from core.extensions import db
from core.types import utcnow
from demo.accounts import DEMO_PASSWORD
from demo.catalogue import DEMO_STORES, DemoProduct
from demo.pictures import draw_centred_text, initials_of, palette, png_bytes
from shop.catalog import images as image_files
from shop.catalog import services as catalog
from shop.catalog import stores
from shop.catalog.models import Category, ProductStatus, Store, Variant
from shop.orders import cart as cart_services
from shop.orders import lifecycle
from shop.orders.checkout import services as checkout
from shop.orders.checkout.models import Address
from shop.orders.models import Order
from shop.orders.refunds import requests as refund_requests
from shop.payments import services as payments


def draw_product_image(title: str, variant: int = 0, size: int = 640) -> bytes:
    """A soft gradient with a simple shape and the product's initials, as PNG bytes."""
    light, dark = palette(title + str(variant), light=0.86, dark=0.38, saturation=0.55)
    image = Image.new("RGB", (size, size), light)
    draw = ImageDraw.Draw(image)
    for y in range(size):
        mix = y / size
        draw.line(
            [(0, y), (size, y)],
            fill=tuple(int(light[i] * (1 - mix * 0.35) + dark[i] * mix * 0.35) for i in range(3)),
        )
    margin = size // 5
    shape = [margin, margin, size - margin, size - margin]
    if variant % 2:
        draw.rounded_rectangle(shape, radius=size // 10, fill=dark)
    else:
        draw.ellipse(shape, fill=dark)
    draw_centred_text(draw, size, initials_of(title), size // 4, light)
    return png_bytes(image)


def _seller(email: str, name: str) -> User:
    user = accounts.find_by_email(email)
    if user is None:
        user = accounts.register_user(
            email=email,
            password=DEMO_PASSWORD,
            verified=True,
            display_name=name,
            roles={Role.SELLER},
        )
    return user


def _categories() -> dict[str, int]:
    return {c.slug: c.id for c in db.session.scalars(select(Category))}


def seed_store(
    handle: str, spec: tuple[str, str, str, tuple[DemoProduct, ...]], currency: str = "USD"
) -> int:
    email, name, description, products = spec
    if db.session.scalar(select(Store.id).where(Store.handle == handle)) is not None:
        return 0
    owner = _seller(email, name + " team")
    store = stores.get_store_for_owner(owner.id) or stores.create_store(
        owner,
        stores.StoreInput(
            name=name,
            handle=handle,
            description=description,
            currency=currency,
            return_address="Returns, 10 Warehouse Way, Springfield 12345, US",
        ),
    )
    categories = _categories()
    upload_dir = current_app.config["UPLOAD_DIR"]
    for index, item in enumerate(products):
        size = current_app.config.get("DEMO_IMAGE_SIZE", 640)
        pictures = [
            image_files.process_bytes(draw_product_image(item.title, n, size))
            for n in range(current_app.config.get("DEMO_IMAGES_PER_PRODUCT", 2))
        ]
        image_files.write_images(pictures, upload_dir)
        variants = [
            catalog.VariantInput(
                sku=f"{handle[:4].upper()}-{index + 1:02d}-{n + 1}",
                price=item.price,
                stock=3 if n == 1 else 25,
                option1=option1,
                option2=option2,
            )
            for n, (option1, option2) in enumerate(item.options)
        ]
        catalog.create_product(
            store,
            catalog.ProductInput(
                title=item.title,
                category_id=categories[item.category],
                description=item.description,
                status=ProductStatus.ACTIVE.value,
                compare_at_price=item.compare_at,
                featured=item.featured,
            ),
            variants,
            pictures,
        )
    db.session.flush()
    return len(products)


def _variant(sku: str) -> Variant:
    return db.session.scalars(select(Variant).where(Variant.sku == sku)).one()


def _paid_order(buyer: User, address_id: int, skus: list[tuple[str, int]], when: datetime) -> Order:
    """Place and pay one order through the real services, dated ``when``."""
    cart = cart_services.get_or_create_cart(user_id=buyer.id)
    for sku, quantity in skus:
        cart_services.add_to_cart(cart, _variant(sku), quantity)
    address = db.session.get(Address, address_id)
    payment = checkout.place_orders(buyer.id, cart, address, provider="test")
    orders = payments.mark_payment_succeeded(payment.id, f"demo-{payment.id}")
    for order in orders:
        order.placed_at = order.paid_at = when
    db.session.flush()  # before the lifecycle services reload the order under a lock
    return orders[0]


def _seed_orders() -> int:
    """Orders of the demo buyer in every state (once: skipped when the buyer has orders)."""
    buyer = accounts.find_by_email("buyer@example.com")
    if buyer is None or db.session.scalar(select(Order.id).where(Order.buyer_id == buyer.id)):
        return 0
    seller = accounts.find_by_email("seller@example.com")
    address = checkout.add_address(
        buyer.id,
        full_name="Bea Buyer",
        line1="1 Main Street",
        city="Springfield",
        region="IL",
        postal_code="62701",
        country="US",
        phone="+1 555 0100",
    )
    now = utcnow()
    ago = lambda days: now - timedelta(days=days)  # noqa: E731

    unpaid_cart = cart_services.get_or_create_cart(user_id=buyer.id)
    cart_services.add_to_cart(unpaid_cart, _variant("HEAR-05-1"), 1)
    checkout.place_orders(buyer.id, unpaid_cart, address, provider="test")

    _paid_order(buyer, address.id, [("GLOW-01-1", 1), ("GLOW-03-2", 2)], ago(0))
    shipped = _paid_order(buyer, address.id, [("TRAI-02-2", 1)], ago(3))
    lifecycle.ship(shipped, "UPS", "1Z999AA10123456784", seller)
    delivered = _paid_order(buyer, address.id, [("BYTE-01-1", 1)], ago(6))
    lifecycle.ship(delivered, "USPS", "9400111899223197428490", seller)
    lifecycle.mark_delivered(delivered, buyer, now=ago(2))
    completed = _paid_order(buyer, address.id, [("HEAR-01-1", 1)], ago(20))
    lifecycle.ship(completed, "FedEx", "449044304137821", seller)
    lifecycle.mark_delivered(completed, buyer, now=ago(15))
    lifecycle.complete_due_orders(now, 7)
    cancelled = _paid_order(buyer, address.id, [("GLOW-06-1", 1)], ago(1))
    lifecycle.cancel(cancelled, buyer, "Ordered the wrong scent.")
    returned = _paid_order(buyer, address.id, [("GLOW-02-1", 1), ("GLOW-07-1", 1)], ago(5))
    lifecycle.ship(returned, "UPS", "1Z999AA10123456799", seller)
    lifecycle.mark_delivered(returned, buyer, now=ago(3))
    refund_requests.request_refund(returned, returned.lines[0], "The jar arrived cracked.", buyer)
    refunded = _paid_order(buyer, address.id, [("GLOW-05-1", 1)], ago(9))
    lifecycle.ship(refunded, "USPS", "9400111899223197428511", seller)
    lifecycle.mark_delivered(refunded, buyer, now=ago(4))
    request = refund_requests.request_refund(
        refunded, refunded.lines[0], "Not for my hair type.", buyer
    )
    refund_requests.approve_refund(request, seller)
    db.session.flush()
    return db.session.scalar(select(func.count(Order.id)).where(Order.buyer_id == buyer.id)) or 0


def seed_shop() -> str:
    """Create the demo stores and their products (skipping stores that exist), and orders."""
    created = sum(seed_store(handle, spec) for handle, spec in DEMO_STORES.items())
    orders = _seed_orders()
    return (
        f"demo shop ready ({created} products created in {len(DEMO_STORES)} stores, "
        f"{orders} demo orders created)"
    )
