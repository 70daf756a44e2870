import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection

from units.loader import load_admin_units


class Command(BaseCommand):
    help = "Nạp cây đơn vị hành chính thật của cả hai giai đoạn (trước và sau 01/07/2025) kèm quan hệ kế thừa."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        result = load_admin_units()
        if result.changed and connection.vendor == "postgresql":
            # Fresh planner statistics for the tree just written: until autovacuum gets to it, PostgreSQL plans
            # scope lookups as if the tables were empty (a merge join over every unit: 9 ms instead of 0.1 ms).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE units_unit, units_succession")
        elapsed = time.perf_counter() - started
        created = ", ".join(f"{k}: {v}" for k, v in sorted(result.created.items())) or "0"
        updated = ", ".join(f"{k}: {v}" for k, v in sorted(result.updated.items())) or "0"
        self.stdout.write(
            f"Đơn vị hành chính — tạo mới: {created}; cập nhật: {updated}; "
            f"quan hệ kế thừa mới: {result.successions_created}; {elapsed:.1f} giây."
        )
