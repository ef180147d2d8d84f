"""Creator profiles: onboarding, public profile pages, and the sellers' creator directory."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("profiles", __name__)
