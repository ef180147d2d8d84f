"""The double-entry ledger: the source of truth for every balance on the platform."""
