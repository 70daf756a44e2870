"""Cells we write into CSV and Excel files that people open in a spreadsheet."""

from typing import TypeVar

T = TypeVar("T")

# A cell starting with one of these is run as a formula by Excel/LibreOffice (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: T) -> T:
    """Text that starts like a formula gets a leading quote, so the spreadsheet shows it as text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value  # type: ignore[return-value]  # still a str: T is str here
    return value
