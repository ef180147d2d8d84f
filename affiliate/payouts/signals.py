"""What the withdrawals announce, for the layers above (the partner API's webhooks).

- ``withdrawal_moved(withdrawal, previous, to)``: the withdrawal made a legal move, inside the
  transaction that made it; the new state's fields (reason, reference, times) are set.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

withdrawal_moved = _signals.signal("withdrawal-moved")
