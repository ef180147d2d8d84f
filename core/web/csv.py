"""CSV for spreadsheets: cells that a spreadsheet will not run as formulas."""

from __future__ import annotations

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (a reason typed as "=HYPERLINK…")."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value
