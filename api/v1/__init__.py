"""Version 1 of the partner REST API, under ``/api/v1``."""
