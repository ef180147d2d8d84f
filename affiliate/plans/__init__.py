"""Targeted, open and store plans, invitations, samples and the commission rule (DESIGN.md).

``affiliate.plans.setup.init_app`` connects the package to the app.
"""
