"""Carts, orders and what happens to them.

``cart`` (the cart's rules) and ``cart_views`` (its pages, and whose cart a request is about);
``checkout/`` (addresses, placing one order per store, free samples, the commission terms fixed
at placing); ``lifecycle`` (ship, deliver, complete, cancel) on the state machines of ``states``;
``refunds/`` (a line's refund asked and decided, the money's way back through the provider,
finance's refund desk); ``buyer/`` and ``seller/`` (the buyer's order pages and the Seller
centre's); ``loaders`` (who may load which row); ``jobs`` and ``cli`` (the order clock). Paying
is ``shop.payments``.
"""
