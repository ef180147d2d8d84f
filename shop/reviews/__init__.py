"""Verified-buyer reviews of delivered order lines, the sellers' answers and staff moderation."""
