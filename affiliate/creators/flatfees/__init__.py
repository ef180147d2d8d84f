"""Flat fees per content: a fixed amount per approved video or live in a targeted plan, held
from the seller's balance when the creator accepts, paid on approval (or after the review
deadline), returned on decline or when the offer closes. ``setup.init_app`` connects it."""
