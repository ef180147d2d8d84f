"""What the commissions announce, for the layers above (the partner API's webhooks).

Sent inside the transaction that changes the commission, with the ``Commission`` as sender;
receivers must not call out (use ``core.jobs.enqueue_after_commit``).

- ``commission_earned(commission)``: a paid line earned it (``pending``).
- ``commission_settled(commission)``: its order completed; it joined the available balance.
- ``commission_reversed(commission, amount)``: ``amount`` was taken back by a refund (the
  state is ``reversed`` or ``clawed_back`` once nothing is left, else still as it was).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

commission_earned = _signals.signal("commission-earned")
commission_settled = _signals.signal("commission-settled")
commission_reversed = _signals.signal("commission-reversed")
