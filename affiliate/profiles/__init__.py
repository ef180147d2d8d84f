"""Creator profiles and categories: creators as people sellers can find.

``affiliate.profiles.setup.init_app`` connects the package to the app.
"""
