"""The Creator centre and the Seller centre's affiliate tab: what creators and sellers read."""
