"""Paging of long tables: which rows page ``n`` shows (only all of NL needs more than one)."""

from __future__ import annotations

PAGE_SIZE = 500  # table rows per page


def page_window(total: int, number: int) -> dict[str, int]:
    """Rows ``first``..``last`` (1-based) of page ``number``, clamped to the pages there are.

    ``offset`` is the 0-based index of the first row, for slicing.
    """
    count = max(1, -(-total // PAGE_SIZE))
    number = min(max(number, 1), count)
    offset = (number - 1) * PAGE_SIZE
    return {
        "number": number,
        "count": count,
        "first": offset + 1,
        "last": min(offset + PAGE_SIZE, total),
        "total": total,
        "size": PAGE_SIZE,
        "offset": offset,
    }
