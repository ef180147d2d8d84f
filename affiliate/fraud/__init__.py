"""Fraud rules: patterns that hold a commission for finance instead of paying it."""
