"""The shop: stores, products and stock, cart, checkout, payments, orders and tracking.

The shop never imports the affiliate packages (plans, creators, payouts): it announces its
events (``shop.signals``) and asks its questions (``shop.hooks``), and they subscribe and answer
from their own ``init_app``. ``shop.setup.init_app`` connects the shop itself.
"""
