"""Stores, the category tree, products, their variants, images and stock."""
