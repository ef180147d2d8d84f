"""Content: videos, lives, the For you feed and the yellow cart on them."""
