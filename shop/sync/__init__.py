"""Product sync: import and export of the catalogue as CSV."""
