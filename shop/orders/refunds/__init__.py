"""Refunds: a line's refund asked by the buyer and decided by the seller (``requests``), the
money's way back through the payment provider (``provider``), and finance's refund desk
(``views``)."""
