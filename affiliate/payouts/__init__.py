"""Withdrawals, the 2% fee, finance review, payout providers and their RQ jobs."""
