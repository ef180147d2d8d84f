"""The Seller centre's orders: the filtered list, one order's page and its actions (ship,
cancel, decide a refund), and the figures of the Seller centre's home."""
