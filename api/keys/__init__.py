"""API keys: created, named, scoped and revoked by their owner; stored hashed."""
