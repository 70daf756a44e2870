"""`?format=csv` for list endpoints: the page's rows as CSV, nested objects flattened with dots."""

import csv
import io
from collections.abc import Mapping
from typing import Any

from rest_framework.renderers import BaseRenderer

from core.spreadsheet import safe_cell


def _flatten(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        elif isinstance(value, list):
            flat[name] = "; ".join(str(v) for v in value)
        else:
            flat[name] = value
    return flat



class PaginatedCSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None,
               renderer_context: Mapping[str, Any] | None = None) -> bytes:
        if data is None:
            return b""
        if isinstance(data, dict) and "results" in data:
            rows = data["results"]
        elif isinstance(data, list):
            rows = data
        else:
            rows = [data]
        flat_rows = [_flatten(r) if isinstance(r, dict) else {"value": r} for r in rows]
        header: list[str] = []
        for r in flat_rows:
            for key in r:
                if key not in header:
                    header.append(key)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        for r in flat_rows:
            writer.writerow({k: "" if v is None else safe_cell(v) for k, v in r.items()})
        # BOM so that Excel opens Vietnamese text as UTF-8.
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
