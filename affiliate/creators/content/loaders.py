"""Loaders for the views: a video or live by id, answered as 404 when it is not there to see.

With ``owner``, only that creator's own content loads; another creator's answers 404 like a
missing one (never 403), so content ids do not leak. Without ``owner``, any published content
of the kind loads (the viewers' pages).
"""

from __future__ import annotations

from flask import abort

from affiliate.creators.content.models import Content, ContentKind
from affiliate.creators.content.queries import is_attached, published_content


def _content_or_404(content_id: int, kind: ContentKind | None, owner: int | None) -> Content:
    content = published_content(content_id, kind)
    if content is None or (owner is not None and content.creator_id != owner):
        abort(404)
    return content


def get_video_or_404(content_id: int, *, owner: int | None = None) -> Content:
    """A published video (``owner``'s own, if given), or 404."""
    return _content_or_404(content_id, ContentKind.VIDEO, owner)


def get_live_or_404(content_id: int, *, owner: int | None = None) -> Content:
    """A published live (``owner``'s own, if given), or 404."""
    return _content_or_404(content_id, ContentKind.LIVE, owner)


def get_card_or_404(content_id: int, product_id: int) -> Content:
    """A published video or live whose yellow cart holds ``product_id``, or 404."""
    content = _content_or_404(content_id, None, None)
    if not is_attached(content.id, product_id):
        abort(404)
    return content
