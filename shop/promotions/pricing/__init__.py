"""What an order pays with promotions: pricing a cart (``cart.price_cart``: each line's best
product offer, each store's voucher code, by ``codes``), the answers it gives (``quotes``), the
arithmetic shared with the catalogue's offers (``rules``), and taking and giving back what an
order uses of a promotion at checkout (``redemptions``)."""
