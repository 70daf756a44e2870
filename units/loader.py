"""Loads the real hierarchy of both eras, with old→new lineage, idempotently.

Eras: the pre-reform tree (63 provinces, 696 districts, ~10,035 communes) is valid until the day
before the reform; the two-tier tree (34 provinces, 3,321 communes) from the reform date on.
A province the reform left untouched (it formed its new self alone) is one unit spanning both eras,
so its organisations, memberships and plans stay continuous; every other unit belongs to one era.

Units are matched by `source_key`, never by official code (codes are reused across eras). A second
run finds every row in place and writes nothing.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from .admin_data import AdminData, AdminRow, read_admin_data
from .models import Kind, Level, Succession, Unit, path_segment
from .selectors import SCOPE_GENERATION

PROVINCE_KINDS = {"Thành": Kind.CENTRAL_CITY, "Tỉnh": Kind.PROVINCE}
DISTRICT_KINDS = {"Quận": Kind.URBAN_DISTRICT, "Huyện": Kind.RURAL_DISTRICT, "Thị xã": Kind.TOWN,
                  "Thành phố": Kind.PROVINCIAL_CITY}
COMMUNE_KINDS = {"Xã": Kind.COMMUNE, "Phường": Kind.WARD, "Thị trấn": Kind.TOWNSHIP, "Đặc khu": Kind.SPECIAL_ZONE}

BATCH = 2000
NATION_KEY = "nation:vn"


@dataclass
class LoadResult:
    created: Counter[str]
    updated: Counter[str]
    successions_created: int

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) or sum(self.updated.values()) or self.successions_created)


class _Writer:
    """Creates or updates units level by level, keeping a key -> Unit map for the next level."""

    FIELDS = ("code", "name", "short_name", "level", "kind", "valid_from", "valid_to", "parent_id")

    def __init__(self) -> None:
        self.by_key: dict[str, Unit] = {u.source_key: u for u in Unit.objects.exclude(source_key="")}
        self.created: Counter[str] = Counter()
        self.updated: Counter[str] = Counter()

    def write(self, rows: list[dict[str, Any]]) -> None:
        new, changed = [], []
        for row in rows:
            unit = self.by_key.get(row["source_key"])
            if unit is None:
                unit = Unit(**{k: v for k, v in row.items() if k != "parent_id"})
                unit.refresh_derived_fields()
                new.append(unit)
                continue
            if any(getattr(unit, f) != row[f] for f in self.FIELDS):
                for f in self.FIELDS:
                    setattr(unit, f, row[f])
                unit.parent = row["parent"]
                unit.refresh_derived_fields()
                changed.append(unit)
        Unit.objects.bulk_create(new, batch_size=BATCH)
        for unit in new:
            self.by_key[unit.source_key] = unit
            self.created[unit.level] += 1
        self._set_paths(new + changed)
        if changed:
            Unit.objects.bulk_update(changed, [*self.FIELDS, "search_name"], batch_size=BATCH)
            for unit in changed:
                self.updated[unit.level] += 1

    def _set_paths(self, units: list[Unit]) -> None:
        dirty = []
        for unit in units:
            parent = unit.parent
            path = (parent.path if parent else "") + path_segment(unit.pk)
            depth = parent.depth + 1 if parent else 0
            if (unit.path, unit.depth) != (path, depth):
                unit.path, unit.depth = path, depth
                dirty.append(unit)
        Unit.objects.bulk_update(dirty, ["path", "depth"], batch_size=BATCH)


def _row(key: str, src: AdminRow, level: str, kind: str, parent: Unit | None, valid_from: datetime.date | None,
         valid_to: datetime.date | None) -> dict[str, Any]:
    return {
        "source_key": key, "code": src.code or "", "name": src.name, "short_name": src.short_name or "",
        "level": level, "kind": kind, "parent": parent, "parent_id": parent.pk if parent else None,
        "valid_from": valid_from, "valid_to": valid_to,
    }


@transaction.atomic
def load_admin_units(data: AdminData | None = None) -> LoadResult:
    data = data or read_admin_data()
    reform: datetime.date = settings.ADMIN_REFORM_DATE
    last_old_day = reform - datetime.timedelta(days=1)
    w = _Writer()

    unchanged = {new for new, olds in data.province_succession.items() if olds == [new]}

    def province_key(pk: str, era: str) -> str:
        return f"both:{pk}" if pk in unchanged else f"{era}:{pk}"

    w.write([{
        "source_key": NATION_KEY, "code": "VN", "name": "Việt Nam", "short_name": "Cả nước",
        "level": Level.NATION, "kind": Kind.NATION, "parent": None, "parent_id": None,
        "valid_from": None, "valid_to": None,
    }])
    nation = w.by_key[NATION_KEY]

    # Provinces: the untouched ones once, spanning both eras; the rest once per era.
    rows = []
    for pk, src in data.legacy_provinces.items():
        kind = PROVINCE_KINDS[src.type_name]
        if pk in unchanged:
            rows.append(_row(province_key(pk, "old"), data.new_provinces[pk], Level.PROVINCE, kind, nation, None, None))
        else:
            rows.append(_row(province_key(pk, "old"), src, Level.PROVINCE, kind, nation, None, last_old_day))
    for pk, src in data.new_provinces.items():
        if pk not in unchanged:
            rows.append(_row(f"new:{pk}", src, Level.PROVINCE, PROVINCE_KINDS[src.type_name], nation, reform, None))
    w.write(rows)

    w.write([
        _row(f"old:{key}", src, Level.DISTRICT, DISTRICT_KINDS[src.type_name],
             w.by_key[province_key(src.parent_key, "old")], None, last_old_day)
        for key, src in data.legacy_districts.items()
    ])
    w.write([
        _row(f"old:{key}", src, Level.COMMUNE, COMMUNE_KINDS[src.type_name],
             w.by_key[f"old:{src.parent_key}"], None, last_old_day)
        for key, src in data.legacy_communes.items()
    ])
    w.write([
        _row(f"new:{key}", src, Level.COMMUNE, COMMUNE_KINDS[src.type_name],
             w.by_key[province_key(src.parent_key, "new")], reform, None)
        for key, src in data.new_communes.items()
    ])

    successions = _successions(data, w.by_key, unchanged, reform)
    existing = set(Succession.objects.values_list("predecessor_id", "successor_id"))
    to_create = [s for s in successions if (s.predecessor_id, s.successor_id) not in existing]
    Succession.objects.bulk_create(to_create, batch_size=BATCH)
    # Bulk writes send no signals; new lineage widens what officers of new units read.
    transaction.on_commit(SCOPE_GENERATION.bump)
    return LoadResult(created=w.created, updated=w.updated, successions_created=len(to_create))


def _successions(data: AdminData, by_key: dict[str, Unit], unchanged: set[str],
                 reform: datetime.date) -> list[Succession]:
    edges: dict[tuple[int, int], Succession] = {}

    def add(old: Unit, new: Unit, kind: str, partial: bool, primary: bool) -> None:
        pair = (old.pk, new.pk)
        # An edge listed both whole and divided is kept as divided: the stricter reading.
        if pair in edges and not partial:
            return
        edges[pair] = Succession(
            predecessor=old, successor=new, kind=kind, date=reform, partial=partial, primary=primary
        )

    for new_pk, old_pks in data.province_succession.items():
        if new_pk in unchanged:
            continue
        new = by_key[f"new:{new_pk}"]
        for old_pk in old_pks:
            old = by_key[f"both:{old_pk}" if old_pk in unchanged else f"old:{old_pk}"]
            add(old, new, Succession.Kind.MERGE if len(old_pks) > 1 else Succession.Kind.RENAME, False, True)

    sources_per_new = Counter((new_pk, new_wk) for _, new_pk, new_wk, _, _ in data.commune_succession)
    for old_key, new_pk, new_wk, partial, primary in data.commune_succession:
        # Five island districts had no communes: the district itself became a special zone.
        old = by_key.get(f"old:{old_key}") or by_key[f"old:{old_key.rstrip('_')}"]
        new = by_key[f"new:{new_pk}_{new_wk}"]
        if partial:
            kind = Succession.Kind.SPLIT
        elif sources_per_new[(new_pk, new_wk)] > 1:
            kind = Succession.Kind.MERGE
        else:
            kind = Succession.Kind.CONTINUE if old.name == new.name else Succession.Kind.RENAME
        add(old, new, kind, partial, primary)
    return list(edges.values())
