"""The administrative tree: loading the whole country (both eras), a no-op reload, and a subtree
query through the scoping selector beside the bare SQL prefix query on the same index.

Run: DATABASE_URL=postgres://... .venv/bin/python benchmarks/bench_units.py
"""

from common import QUICK, fmt_s, median, setup_django, table, timed

setup_django()

from django.db import connection  # noqa: E402

from units.loader import load_admin_units  # noqa: E402
from units.models import Unit  # noqa: E402
from units.selectors import SCOPE_GENERATION, visible_units  # noqa: E402


def _reload_definitions() -> None:
    """The CASCADE above also empties every table with a foreign key to units (the definitions' owner column):
    put the seeded forms, indicators and categories back, as their data migrations made them."""
    import importlib

    from django.apps import apps

    for module in ("definitions.seed", "definitions.seed_reviews"):
        try:
            importlib.import_module(module).load(apps, None)
        except ModuleNotFoundError:
            continue


def main() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import time

    assert "bench" in connection.settings_dict["NAME"], "runs only on a benchmark database (it truncates units)"
    with connection.cursor() as cur:  # a first load from empty is what we measure
        cur.execute("TRUNCATE units_unit, units_succession, units_membership RESTART IDENTITY CASCADE")
    _reload_definitions()
    started = time.perf_counter()
    first = load_admin_units()
    first_load = time.perf_counter() - started
    reload_samples = timed(lambda: load_admin_units(), runs=1 if QUICK else 3, warmup=0)

    province = Unit.objects.get(source_key="both:tinhhatinh")
    from core.models import User

    user, _ = User.objects.get_or_create(username="bench.province")
    from units.models import Membership

    Membership.objects.get_or_create(user=user, unit=province, role="viewer")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")  # as autovacuum would after a load; without it the planner sees empty tables

    def scoped():
        """A new request whose scope is not cached yet: memberships and lineage read, then the subtree."""
        user.__dict__.pop("_scope_paths_cache", None)
        SCOPE_GENERATION.bump()
        return len(list(visible_units(user).values_list("id", flat=True)))

    def scoped_cached():
        """A later request: the scope comes from the cache (in-process here; Redis in production)."""
        user.__dict__.pop("_scope_paths_cache", None)
        return len(list(visible_units(user).values_list("id", flat=True)))

    def bare():
        with connection.cursor() as cur:
            cur.execute("SELECT id FROM units_unit WHERE path LIKE %s", [province.path + "%"])
            return len(cur.fetchall())

    runs = 5 if QUICK else 20  # BENCH_QUICK=1: a smoke check, the figures mean nothing
    scoped_s = timed(scoped, runs=runs)
    cached_s = timed(scoped_cached, runs=runs)
    bare_s = timed(bare, runs=runs)
    n = bare()
    vendor = connection.vendor
    print("## Administrative tree\n")
    print(f"Database: {vendor}. Units: {Unit.objects.count():,}; created on the first load: "
          f"{sum(first.created.values()):,} (0 means the tree was already loaded).\n")
    print(table(
        ["measure", "median", "limit beside it", "ratio"],
        [
            ["load the whole country, both eras + lineage", fmt_s(first_load), "goal: < 60 s", "—"],
            ["reload (no change)", fmt_s(median(reload_samples)), "—", "—"],
            [f"province subtree via scoping selector ({n} units)", fmt_s(median(scoped_s)),
             f"bare SQL LIKE prefix: {fmt_s(median(bare_s))}", f"{median(scoped_s) / median(bare_s):.1f}×"],
            ["the same, the caller's scope already cached", fmt_s(median(cached_s)),
             f"bare SQL LIKE prefix: {fmt_s(median(bare_s))}", f"{median(cached_s) / median(bare_s):.1f}×"],
        ],
    ))
    print("\nCommand: `DATABASE_URL=... .venv/bin/python benchmarks/bench_units.py`\n")


if __name__ == "__main__":
    main()
