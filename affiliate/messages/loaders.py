"""Loaders for the views: a conversation for one of its two parties, anybody else's is a 404."""

from __future__ import annotations

from flask import abort

from affiliate.messages.models import Conversation, Side
from affiliate.messages.services import side_of
from core.accounts.authz import get_or_404


def get_conversation_or_404(conversation_id: int, user_id: int) -> tuple[Conversation, Side]:
    """The conversation and the side ``user_id`` writes on; 404 when it is not theirs."""
    conversation = get_or_404(Conversation, conversation_id)
    side = side_of(conversation, user_id)
    if side is None:
        abort(404)
    return conversation, side
