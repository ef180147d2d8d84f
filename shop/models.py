"""All shop models, importable from one place (each sub-package owns its own)."""

from shop.catalog.models import Category, Product, ProductImage, ProductStatus, Store, Variant
from shop.orders.checkout.models import Address
from shop.orders.models import Cart, CartLine, LineStatus, Order, OrderEvent, OrderLine, OrderStatus
from shop.orders.refunds.models import RefundRequest, RefundStatus
from shop.payments.models import Payment, PaymentStatus
from shop.promotions.live_deal_models import LiveDeal, LiveDealPurchase
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
from shop.reviews.models import Review, ReviewHelpful, ReviewPhoto
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
    "LiveDeal",
    "LiveDealPurchase",
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
    "Review",
    "ReviewHelpful",
    "ReviewPhoto",
    "Store",
    "Variant",
    "Voucher",
    "VoucherCollection",
    "VoucherProduct",
    "VoucherRedemption",
]
