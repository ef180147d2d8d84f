"""Creators: profiles, showcase, videos, lives, attribution and the Creator centre."""
