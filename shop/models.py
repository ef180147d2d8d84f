"""All shop models, importable from one place (each sub-package owns its own)."""

from shop.catalog.models import Category, Product, ProductImage, ProductStatus, Store, Variant
from shop.orders.models import (
    Address,
    Cart,
    CartLine,
    LineStatus,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentStatus,
    RefundRequest,
    RefundStatus,
)
from shop.sync.models import CatalogImport, ImportStatus

__all__ = [
    "Address",
    "Cart",
    "CartLine",
    "CatalogImport",
    "Category",
    "ImportStatus",
    "LineStatus",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderStatus",
    "Payment",
    "PaymentStatus",
    "Product",
    "ProductImage",
    "ProductStatus",
    "RefundRequest",
    "RefundStatus",
    "Store",
    "Variant",
]
