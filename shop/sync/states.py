"""A catalogue import's state machine (``core.states.StateMachine``).

``previewed → queued → running → done | failed``, or ``previewed → running`` for a small file
written at once. The first claims (``previewed → queued``, ``queued → running``) are guarded
``UPDATE``s, so that two clicks (or two workers) never both win; they only ever make a move
that this table allows.
"""

from __future__ import annotations

from core.states import StateMachine
from shop.sync.models import ImportStatus

S = ImportStatus

IMPORT = StateMachine(
    "import",
    {
        S.PREVIEWED: {S.QUEUED, S.RUNNING},
        S.QUEUED: {S.RUNNING, S.FAILED},
        S.RUNNING: {S.DONE, S.FAILED},
        S.DONE: set(),
        S.FAILED: set(),
    },
)
