"""The buyer's orders: the list, one order's page with its timeline, and what the buyer may do
with it (mark it delivered, ask for a line's refund)."""
