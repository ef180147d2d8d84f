"""What the shop announces, for the affiliate side to subscribe to.

The shop never imports the affiliate packages. Receivers run synchronously inside the
transaction of the shop's service, so a paid order and what subscribers post for it commit or
fail together. Receivers must not enqueue jobs or call providers directly: use
``core.jobs.enqueue_after_commit``.

Each signal is sent with the ``Order`` (or ``Product``) as sender and keyword arguments:

- ``order_paid(order)``: the order's payment succeeded; its lines are paid.
- ``order_line_refunded(order, line, amount)``: ``amount`` of ``line`` was refunded (or the
  whole order was cancelled after payment: sent once per line).
- ``order_completed(order)``: the return window passed without a refund request.
- ``order_cancelled(order)``: cancelled (before or after payment).
- ``order_shipped(order)``: the seller shipped it (carrier and tracking number set).
- ``order_delivered(order)``: the buyer (or the auto-delivery job) marked it delivered.
- ``product_archived(product)``: the product can no longer be sold.
- ``product_updated(product)``: the seller changed its details, variants or status.
- ``cart_line_added(line, attribution, quantity)``: ``quantity`` of a variant went into a cart,
  from the creator content named by ``attribution`` (or None).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

order_paid = _signals.signal("order-paid")
order_line_refunded = _signals.signal("order-line-refunded")
order_completed = _signals.signal("order-completed")
order_cancelled = _signals.signal("order-cancelled")
order_shipped = _signals.signal("order-shipped")
order_delivered = _signals.signal("order-delivered")
product_archived = _signals.signal("product-archived")
product_updated = _signals.signal("product-updated")
cart_line_added = _signals.signal("cart-line-added")
