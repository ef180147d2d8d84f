"""The product CSV format: one row per variant, grouped into products by ``handle``.

This module knows the columns and how to read and write cells; it never touches the database.
``services`` checks the parsed rows against a store. The format is documented for sellers in
docs/product-sync.md: keep the two in step.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from core.money import parse_amount, to_decimal
from shop.sync.exceptions import FileRejected

COLUMNS = (
    "handle",
    "title",
    "description",
    "category",
    "status",
    "compare_at_price",
    "sku",
    "option1",
    "option2",
    "price",
    "stock",
)
REQUIRED_COLUMNS = ("handle", "title", "sku", "price")
PRODUCT_COLUMNS = ("title", "description", "category", "status", "compare_at_price")
STATUSES = ("draft", "active", "archived")

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
MAX_STOCK = 2**31 - 1
MAX_LENGTHS = {
    "handle": 80,
    "title": 200,
    "description": 20_000,
    "category": 60,
    "sku": 64,
    "option1": 60,
    "option2": 60,
}

_HANDLE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_GENERATED_HANDLE = re.compile(r"p-(\d{1,18})")
_INTEGER = re.compile(r"[+-]?\d+")
# Spreadsheets run a cell that starts with one of these as a formula. Export prefixes such
# cells with an apostrophe, and import removes it again, so that a round trip is exact.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

TEMPLATE_ROWS = (
    {
        "handle": "aloe-face-cream",
        "title": "Aloe face cream",
        "description": "A light daily moisturiser with aloe vera.",
        "category": "beauty-skincare",
        "status": "active",
        "compare_at_price": "24.00",
        "sku": "ALOE-50",
        "option1": "50 ml",
        "option2": "",
        "price": "18.50",
        "stock": "40",
    },
    {
        "handle": "aloe-face-cream",
        "title": "",
        "description": "",
        "category": "",
        "status": "",
        "compare_at_price": "",
        "sku": "ALOE-100",
        "option1": "100 ml",
        "option2": "",
        "price": "29.00",
        "stock": "12",
    },
)


@dataclass(frozen=True, order=True)
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.column}: {self.message}"


@dataclass
class Row:
    """One variant row, its cells cleaned and typed; ``None`` where the cell was empty."""

    line: int
    handle: str
    sku: str
    title: str | None = None
    description: str | None = None
    category: str | None = None
    status: str | None = None
    compare_at_price: int | None = None
    option1: str | None = None
    option2: str | None = None
    price: int | None = None
    stock: int | None = None
    has_errors: bool = False  # some cell was refused (and is None here)


@dataclass
class ParsedFile:
    columns: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()
    row_count: int = 0  # every non-blank data row, with or without errors


def generated_handle(product_id: int) -> str:
    """The handle that export gives a product made without one."""
    return f"p-{product_id}"


def generated_handle_id(handle: str) -> int | None:
    """The product id inside a generated handle (``p-12`` → 12), else ``None``."""
    match = _GENERATED_HANDLE.fullmatch(handle)
    return int(match.group(1)) if match else None


def decode(data: bytes) -> str:
    """Decode an uploaded file as UTF-8 text (with or without a BOM); refuse anything else."""
    if not data.strip():
        raise FileRejected("The file is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise FileRejected("The file is larger than 20 MB. Split it into smaller files.")
    if b"\x00" in data:
        raise FileRejected("This is not a CSV file: it contains binary data.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRejected(
            f"The file is not UTF-8 text (byte {error.start + 1}). "
            "Save it as “CSV UTF-8” and upload it again."
        ) from None
    return text


def _dialect(header_line: str) -> type[csv.Dialect] | csv.Dialect:
    """Comma-separated by default; semicolons or tabs if the header uses them instead."""
    if "," not in header_line:
        for delimiter in (";", "\t"):
            if delimiter in header_line:

                class Other(csv.excel):
                    pass

                Other.delimiter = delimiter
                return Other
    return csv.excel


def _clean(value: str) -> str:
    value = value.strip()
    if value.startswith("'") and value[1:2] in _FORMULA_START:
        value = value[1:]
    return value


def parse(data: bytes, currency: str) -> ParsedFile:
    """Read the whole file: cell errors go into ``errors``, file errors raise ``FileRejected``."""
    text = decode(data)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(first_line), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise FileRejected("The file is empty.")
        columns = tuple(name.strip().lower().lstrip("\ufeff") for name in header)
        _check_header(columns)
        parsed = ParsedFile(
            columns=columns,
            ignored_columns=tuple(c for c in columns if c and c not in COLUMNS),
        )
        index = {name: i for i, name in enumerate(columns) if name in COLUMNS}
        line = reader.line_num + 1
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue  # blank lines are not rows
            parsed.row_count += 1
            if parsed.row_count > MAX_ROWS:
                raise FileRejected(
                    f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files."
                )
            if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
                parsed.errors.append(
                    RowError(
                        start,
                        "row",
                        f"has {len(cells)} cells but the header has {len(columns)} columns",
                    )
                )
                continue
            row = _parse_row(start, cells, index, currency, parsed.errors)
            if row is not None:
                parsed.rows.append(row)
    except csv.Error as error:
        raise FileRejected(
            f"This is not a readable CSV file (line {reader.line_num}: {error})."
        ) from None
    if parsed.row_count == 0:
        raise FileRejected("The file has a header but no rows.")
    return parsed


def _check_header(columns: tuple[str, ...]) -> None:
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise FileRejected(
            "The header is missing the required column"
            + ("s " if len(missing) > 1 else " ")
            + ", ".join(missing)
            + ". The first line must name the columns: download the template to see them."
        )
    seen: set[str] = set()
    for name in columns:
        if name in COLUMNS and name in seen:
            raise FileRejected(f"The header names the column {name} twice.")
        seen.add(name)


def _parse_row(
    line: int,
    cells: list[str],
    index: dict[str, int],
    currency: str,
    errors: list[RowError],
) -> Row | None:
    def cell(name: str) -> str:
        position = index.get(name)
        return _clean(cells[position]) if position is not None and position < len(cells) else ""

    found: list[RowError] = []

    def text(name: str) -> str | None:
        value = cell(name)
        if not value:
            return None
        if len(value) > MAX_LENGTHS[name]:
            found.append(RowError(line, name, f"is longer than {MAX_LENGTHS[name]} characters"))
        if name != "description" and any(ch in value for ch in "\r\n"):
            found.append(RowError(line, name, "must be on one line"))
        return value

    handle = cell("handle").lower()
    if not handle:
        found.append(RowError(line, "handle", "is required"))
    elif len(handle) > MAX_LENGTHS["handle"]:
        found.append(RowError(line, "handle", "is longer than 80 characters"))
    elif not _HANDLE.fullmatch(handle):
        found.append(
            RowError(line, "handle", "may hold only lowercase letters, digits and single hyphens")
        )
    sku = text("sku") or ""
    if not sku:
        found.append(RowError(line, "sku", "is required"))
    row = Row(line=line, handle=handle, sku=sku)
    row.title = text("title")
    row.description = text("description")
    row.category = (text("category") or "").lower() or None
    row.option1 = text("option1")
    row.option2 = text("option2")

    status = cell("status").lower()
    if status:
        if status in STATUSES:
            row.status = status
        else:
            found.append(RowError(line, "status", "must be draft, active or archived"))

    row.price = _money(line, "price", cell("price"), currency, found, required=True)
    row.compare_at_price = _money(
        line, "compare_at_price", cell("compare_at_price"), currency, found, required=False
    )

    stock = cell("stock")
    if stock:
        if not _INTEGER.fullmatch(stock):
            found.append(RowError(line, "stock", "must be a whole number"))
        elif int(stock) < 0:
            found.append(RowError(line, "stock", "must be 0 or more"))
        elif int(stock) > MAX_STOCK:
            found.append(RowError(line, "stock", "is too large"))
        else:
            row.stock = int(stock)

    errors.extend(found)
    if not row.handle or not row.sku or any(e.column == "handle" for e in found):
        return None  # it cannot be grouped or matched: its other checks wait for a fix
    row.has_errors = bool(found)
    return row


def _money(
    line: int, column: str, value: str, currency: str, found: list[RowError], *, required: bool
) -> int | None:
    if not value:
        if required:
            found.append(RowError(line, column, "is required"))
        return None
    try:
        amount = parse_amount(value, currency)
    except ValueError as error:
        message = str(error)
        if "decimals" in message:
            found.append(RowError(line, column, "must have at most 2 decimals"))
        elif "too large" in message:
            found.append(RowError(line, column, "is too large"))
        else:
            found.append(RowError(line, column, 'must be an amount such as "12.50"'))
        return None
    if amount <= 0:
        found.append(RowError(line, column, "must be greater than 0"))
        return None
    return amount


def format_amount(amount: int | None, currency: str) -> str:
    return "" if amount is None else str(to_decimal(amount, currency))


def _safe(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_rows(rows: Iterable[dict[str, str]]) -> Iterator[str]:
    """Yield the CSV text of a header and ``rows``, a few hundred rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for count, row in enumerate(rows, start=1):
        writer.writerow([_safe(str(row.get(name, ""))) for name in COLUMNS])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def template_csv() -> str:
    """The downloadable template: the header and two example rows of one product."""
    return "\ufeff" + "".join(write_rows(TEMPLATE_ROWS))
