"""Creators at work: content (videos, lives, the yellow cart), attribution (touches, events,
commissions) and the centre (the creators' and the sellers' affiliate dashboards).

``affiliate.creators.setup.init_app`` connects all three to the app.
"""
