"""What the plans announce, for the layers above (the partner API's webhooks).

- ``rate_changed(plan, rate, previous_bps)``: a new ``PlanRate`` was announced for the plan
  (``rate.effective_at`` says when it applies; a cut waits for its notice period).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

rate_changed = _signals.signal("plan-rate-changed")
