"""Creator profiles and categories: creators as people sellers can find."""
