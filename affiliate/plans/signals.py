"""What the plans announce, for the layers above (the partner API's webhooks).

- ``rate_changed(plan, rate, previous_bps)``: a new ``PlanRate`` was announced for the plan
  (``rate.effective_at`` says when it applies; a cut waits for its notice period).
- ``invitation_accepted(membership)``: a creator accepted a targeted plan's invitation. Sent
  inside the acceptance's transaction: a receiver that raises a ``PlanError`` refuses the
  acceptance (the flat fees do, when the seller's balance cannot hold the fee).
- ``plan_ended(plan)``: the plan was ended for good (inside the same transaction).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

rate_changed = _signals.signal("plan-rate-changed")
invitation_accepted = _signals.signal("plan-invitation-accepted")
plan_ended = _signals.signal("plan-ended")
