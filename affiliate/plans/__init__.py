"""Targeted, open and store plans, invitations and the commission rule (see DESIGN.md)."""
