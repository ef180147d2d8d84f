"""The sellers' creator CRM: a store's own tags and private notes on creators, saved segments,
bulk actions, and the relationship a creator has with the store."""
