"""Withdrawals, the 2% fee, finance review, payout providers and their RQ jobs.

``affiliate.payouts.setup.init_app`` connects the package to the app.
"""
