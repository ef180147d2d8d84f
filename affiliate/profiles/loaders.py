"""Loaders for the views: a creator's profile by its handle, or 404."""

from __future__ import annotations

from flask import abort

from affiliate.profiles.models import CreatorProfile
from affiliate.profiles.services import profile_by_handle


def get_profile_or_404(handle: str) -> CreatorProfile:
    """The profile with this handle (any case, with or without ``@``); else 404."""
    found = profile_by_handle(handle)
    if found is None:
        abort(404)
    return found
