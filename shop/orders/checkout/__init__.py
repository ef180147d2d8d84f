"""Checkout: the buyer's addresses, and placing one order per store from the cart (free
samples are placed here too, without a cart)."""
