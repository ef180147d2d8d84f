"""The Seller centre: the store's back office (store, products, sync, orders, numbers)."""
