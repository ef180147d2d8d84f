"""Seller promotions: product discounts, vouchers and flash deals, and how they price a cart."""
