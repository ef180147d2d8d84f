"""The case pages: the seller's (Seller centre), the creator's (Creator centre) and finance's
desk. Each side is a blueprint of its own; what they share is in ``common``."""
