"""Routes of this sub-package (added to the blueprints in ``shop.blueprints``)."""

from __future__ import annotations
