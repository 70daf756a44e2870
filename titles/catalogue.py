"""Load title types and criteria sets from titles/criteria/*.json, idempotently.

The data migration calls `load_catalogue(apps)` with historical models; the management command,
the demo and the tests call it with the real ones. A criteria set already present (same title and
version) is never touched: a published version is immutable, a new version is a new file.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.utils import timezone

CRITERIA_DIR = Path(__file__).resolve().parent / "criteria"
TITLE_TYPES_FILE = CRITERIA_DIR / "title_types.json"


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _models(apps):
    if apps is None:
        from django.apps import apps as live_apps

        apps = live_apps
    return {name: apps.get_model("titles", name) for name in
            ("TitleType", "ApprovalRule", "CriteriaSet", "Criterion", "LevelThreshold")}


TITLE_RULE_FIELDS = ("unit_kinds", "higher_level_after_months", "reevaluate_while_valid")
APPROVAL_FIELDS = ("level", "subject_unit_level", "subject_parent_level", "authority_level", "issuer",
                   "authority_name", "legal_basis", "note", "valid_from", "valid_to")


def _known(model, values: dict) -> dict:
    """Only the fields the model has: migration 0002 runs this loader with the models of its day."""
    names = {f.name for f in model._meta.get_fields()}
    return {k: v for k, v in values.items() if k in names}


def _approval_values(rule: dict) -> dict:
    values = {name: rule.get(name, "") for name in APPROVAL_FIELDS}
    values["level"] = rule.get("level")
    values["issuer"] = rule.get("issuer") or "people_committee"
    values["valid_from"], values["valid_to"] = _date(rule.get("valid_from")), _date(rule.get("valid_to"))
    return values


def _create_rules(m, title, item: dict) -> None:
    for rule in item.get("approval", []):
        m["ApprovalRule"].objects.create(title_type=title, **_known(m["ApprovalRule"], _approval_values(rule)))


def load_catalogue(apps=None) -> dict[str, int]:
    """Create missing title types, approval rules and criteria sets; returns how many were created."""
    m = _models(apps)
    created = {"title_types": 0, "criteria_sets": 0}
    spec = json.loads(TITLE_TYPES_FILE.read_text(encoding="utf-8"))
    for item in spec["title_types"]:
        title, was_created = m["TitleType"].objects.get_or_create(
            slug=item["slug"],
            defaults=_known(m["TitleType"], {
                "name": item["name"], "subject_kind": item["subject_kind"], "unit_level": item["unit_level"],
                "max_level": item["max_level"], "validity_months": item["validity_months"],
                "legal_basis": item.get("legal_basis", ""), "indicator": item.get("indicator", ""),
                "valid_from": _date(item.get("valid_from")), "valid_to": _date(item.get("valid_to")),
                "order": item.get("order", 0),
                **{name: item[name] for name in TITLE_RULE_FIELDS if name in item},
            }),
        )
        if was_created:
            created["title_types"] += 1
            _create_rules(m, title, item)
    titles = {t.slug: t for t in m["TitleType"].objects.all()}
    for path in sorted(CRITERIA_DIR.glob("*.json")):
        if path == TITLE_TYPES_FILE:
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        if _load_criteria_set(m, titles[doc["title_type"]], doc):
            created["criteria_sets"] += 1
    return created


def sync_title_rules(apps) -> None:
    """Migration 0005: bring existing title types to the catalogue's rules (applicable kinds, waiting
    period, re-evaluation) and replace their seeded approval rules by the catalogue's, which now say who
    issues the decision and for which subjects. Later corrections are made in the admin, with history."""
    m = _models(apps)
    spec = json.loads(TITLE_TYPES_FILE.read_text(encoding="utf-8"))
    for item in spec["title_types"]:
        title = m["TitleType"].objects.filter(slug=item["slug"]).first()
        if title is None:
            continue
        for name in TITLE_RULE_FIELDS:
            setattr(title, name, item.get(name, title._meta.get_field(name).get_default()))
        title.legal_basis = item.get("legal_basis", title.legal_basis)
        title.save()
        m["ApprovalRule"].objects.filter(title_type=title).delete()
        _create_rules(m, title, item)


def _load_criteria_set(m, title, doc: dict) -> bool:
    if m["CriteriaSet"].objects.filter(title_type=title, version=doc["version"]).exists():
        return False
    criteria_set = m["CriteriaSet"].objects.create(
        title_type=title, version=doc["version"], name=doc["name"], legal_basis=doc.get("legal_basis", ""),
        status="published", published_at=timezone.now(),
    )
    m["Criterion"].objects.bulk_create(
        m["Criterion"](
            criteria_set=criteria_set, group=c["group"], code=c["code"], text=c["text"], kind=c["kind"],
            max_points=c.get("max_points"), levels=c.get("levels", []), order=i,
        )
        for i, c in enumerate(doc["criteria"], 1)
    )
    m["LevelThreshold"].objects.bulk_create(
        m["LevelThreshold"](
            criteria_set=criteria_set, level=t["level"], min_points=t.get("min_points", 0),
            description=t.get("description", ""),
        )
        for t in doc["thresholds"]
    )
    return True
