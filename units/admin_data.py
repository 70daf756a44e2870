"""Reads the real administrative units of both eras from the `vietnamadminunits` package's data.

Only its offline files are read (data/dataset.db and data/converter_2025.json); the package's
geocoding path, which goes online, is never imported.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path


def package_data_dir() -> Path:
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("vietnamadminunits is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@dataclass
class AdminRow:
    key: str
    code: str
    name: str
    short_name: str
    type_name: str
    parent_key: str | None


@dataclass
class AdminData:
    legacy_provinces: dict[str, AdminRow] = field(default_factory=dict)
    legacy_districts: dict[str, AdminRow] = field(default_factory=dict)
    legacy_communes: dict[str, AdminRow] = field(default_factory=dict)
    new_provinces: dict[str, AdminRow] = field(default_factory=dict)
    new_communes: dict[str, AdminRow] = field(default_factory=dict)
    # new province key -> old province keys it was formed from
    province_succession: dict[str, list[str]] = field(default_factory=dict)
    # (old commune or wardless-district converter key, new province key, new ward key, partial, primary)
    commune_succession: list[tuple[str, str, str, bool, bool]] = field(default_factory=list)


def read_admin_data(data_dir: Path | None = None) -> AdminData:
    data_dir = data_dir or package_data_dir()
    data = AdminData()
    db = sqlite3.connect(f"file:{data_dir / 'dataset.db'}?mode=ro", uri=True)
    try:
        legacy = db.execute(
            "SELECT provinceKey, provinceCode, province, provinceShort, "
            "districtKey, districtCode, district, districtShort, districtType, "
            "wardKey, wardCode, ward, wardShort, wardType FROM admin_units_legacy"
        ).fetchall()
        for (pk, pc, pn, ps, dk, dc, dn, ds, dt, wk, wc, wn, ws, wt) in legacy:
            data.legacy_provinces.setdefault(pk, AdminRow(pk, pc, pn, ps, pn.split(" ")[0], None))
            dkey = f"{pk}_{dk}"
            data.legacy_districts.setdefault(dkey, AdminRow(dkey, dc, dn, ds, dt, pk))
            if wk:  # five island districts have no commune level
                ckey = f"{pk}_{dk}_{wk}"
                data.legacy_communes[ckey] = AdminRow(ckey, wc, wn, ws, wt, dkey)
        current = db.execute(
            "SELECT provinceKey, provinceCode, province, provinceShort, wardKey, wardCode, ward, wardShort, wardType "
            "FROM admin_units"
        ).fetchall()
        for (pk, pc, pn, ps, wk, wc, wn, ws, wt) in current:
            data.new_provinces.setdefault(pk, AdminRow(pk, pc, pn, ps, pn.split(" ")[0], None))
            ckey = f"{pk}_{wk}"
            data.new_communes[ckey] = AdminRow(ckey, wc, wn, ws, wt, pk)
    finally:
        db.close()

    converter = json.loads((data_dir / "converter_2025.json").read_text(encoding="utf-8"))
    data.province_succession = converter["DICT_PROVINCE"]
    for new_pk, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_wk, old_keys in wards.items():
            for old_key in old_keys:
                data.commune_succession.append((old_key, new_pk, new_wk, False, True))
    for new_pk, olds in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, parts in olds.items():
            for part in parts:
                data.commune_succession.append(
                    (old_key, new_pk, part["newWardKey"], True, bool(part["isDefaultNewWard"]))
                )
    return data
