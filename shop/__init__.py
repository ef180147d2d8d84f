"""The shop: stores, products and stock, cart, checkout, payments, orders and tracking.

The shop never imports the affiliate packages (plans, creators, payouts); it announces its
events and they subscribe.
"""
