"""Outgoing webhooks: signed, logged, retried deliveries of account events to partner URLs."""
