"""Messages between a store and a creator, with cards that act in place."""
