"""Creator collections: named groups of showcase products with a shareable public page."""
