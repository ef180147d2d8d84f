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
from shop.promotions.models import (
    FlashDeal,
    FlashDealPurchase,
    ProductDiscount,
    ProductDiscountTarget,
    Voucher,
    VoucherCollection,
    VoucherProduct,
    VoucherRedemption,
)
from shop.sync.models import CatalogImport, ImportStatus

__all__ = [
    "Address",
    "Cart",
    "CartLine",
    "CatalogImport",
    "Category",
    "FlashDeal",
    "FlashDealPurchase",
    "ImportStatus",
    "LineStatus",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderStatus",
    "Payment",
    "PaymentStatus",
    "Product",
    "ProductDiscount",
    "ProductDiscountTarget",
    "ProductImage",
    "ProductStatus",
    "RefundRequest",
    "RefundStatus",
    "Store",
    "Variant",
    "Voucher",
    "VoucherCollection",
    "VoucherProduct",
    "VoucherRedemption",
]
