"""scripts/citus_plan.sql (docs/scaling.md, Step 4) against the models: the plan cannot be run here (no Citus on this
machine), so what can be checked without it is checked — every table classified once, and no foreign key that
Citus would refuse."""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps

PLAN = Path(__file__).resolve().parents[2] / "scripts" / "citus_plan.sql"


def _plan() -> dict[str, str]:
    text = PLAN.read_text(encoding="utf-8")
    kinds: dict[str, list[str]] = {"reference": [], "distributed": [], "local": []}
    kinds["reference"] = re.findall(r"^SELECT create_reference_table\('(\w+)'\);", text, re.M)
    kinds["distributed"] = re.findall(
        r"^SELECT create_distributed_table_concurrently\('(\w+)', 'province_id'", text, re.M)
    for line in re.findall(r"^-- local: (.+)$", text, re.M):
        kinds["local"] += [name.strip() for name in line.rstrip(",").split(",") if name.strip()]
    plan: dict[str, str] = {}
    for kind, tables in kinds.items():
        for table in tables:
            assert table not in plan, f"{table} is named twice in citus_plan.sql ({plan[table]} and {kind})"
            plan[table] = kind
    return plan


def _tables() -> dict[str, type]:
    return {model._meta.db_table: model for model in apps.get_models(include_auto_created=True)
            if not model._meta.proxy and model._meta.managed}


def test_every_table_is_distributed_reference_or_local_exactly_once():
    plan, tables = _plan(), _tables()
    assert set(tables) | {"django_migrations"} == set(plan), (
        f"not in the plan: {sorted(set(tables) - set(plan))}; in the plan but no such table: "
        f"{sorted(set(plan) - set(tables) - {'django_migrations'})}")
    # The co-location group starts with the table the others name in colocate_with.
    text = PLAN.read_text(encoding="utf-8")
    first = re.search(r"^SELECT create_distributed_table_concurrently\('(\w+)', 'province_id'\);", text, re.M)
    assert first and first[1] == "units_household"
    assert len(re.findall(r"colocate_with => 'units_household'", text)) == sum(
        1 for kind in plan.values() if kind == "distributed") - 1


def test_no_foreign_key_citus_would_refuse():
    """Citus refuses a foreign key from a reference table to a distributed one; a distributed table may point only
    at reference tables or co-located distributed ones; a local table at reference or local ones."""
    plan, allowed = _plan(), {"reference": {"reference"}, "distributed": {"reference", "distributed"},
                              "local": {"reference", "local"}}
    refused = []
    for table, model in _tables().items():
        for field in model._meta.concrete_fields:
            if not field.is_relation or not getattr(field, "db_constraint", False):
                continue  # simple_history's copies and generic keys carry no constraint
            target = field.related_model._meta.db_table
            if plan[target] not in allowed[plan[table]]:
                refused.append(f"{table}.{field.column} ({plan[table]}) → {target} ({plan[target]})")
    assert not refused, refused


def test_reference_tables_are_created_after_those_they_reference():
    """create_reference_table of a table whose foreign key points at a table not yet a reference table fails."""
    plan = _plan()
    order = [table for table, kind in plan.items() if kind == "reference"]
    tables = _tables()
    late = []
    for position, table in enumerate(order):
        model = tables.get(table)
        for field in model._meta.concrete_fields if model else ():
            if field.is_relation and getattr(field, "db_constraint", False):
                target = field.related_model._meta.db_table
                if target != table and plan[target] == "reference" and order.index(target) > position:
                    late.append(f"{table} before {target}")
    assert not late, late
