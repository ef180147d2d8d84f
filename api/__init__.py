"""The partner REST API (``/api/v1``) over the features' services, and its API keys."""
