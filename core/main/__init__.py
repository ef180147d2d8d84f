"""Site-wide routes that belong to no feature: health check and favicon."""
