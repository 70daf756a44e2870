"""`manage.py stats_rebuild --year 2026 [--parallel]`: recompute a year's statistics rollup (reports/aggregation.py).

Without --parallel: the full rebuild in this process, in one transaction (aggregation.stats_rebuild). With
--parallel: one task per province of the year's tree, then the national step (reports.tasks.rebuild_stats_parallel);
with real workers (REDIS_URL) the tasks are queued on the stats queue and this command returns at once; without
them (eager Celery) they run here, one after the other.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from reports import aggregation
from reports.models import StatRollup
from reports.tasks import rebuild_stats_parallel


class Command(BaseCommand):
    help = ("Tính lại số liệu thống kê tổng hợp của một năm: toàn bộ trong một giao dịch, hoặc (--parallel) "
            "từng tỉnh/thành phố song song rồi cấp quốc gia.")

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", dest="years", required=True, metavar="NĂM",
                            help="Năm cần tính lại, ví dụ 2026; có thể lặp lại.")
        parser.add_argument("--parallel", action="store_true",
                            help="Mỗi tỉnh/thành phố một tác vụ Celery, rồi bước cấp quốc gia.")

    def handle(self, *args, **options):
        for year in options["years"]:
            if not 2000 <= year <= 2100:
                raise CommandError(f"--year: năm “{year}” không hợp lệ (từ 2000 đến 2100).")
        queued = bool(settings.REDIS_URL) and not settings.CELERY_TASK_ALWAYS_EAGER
        for year in options["years"]:
            started = time.perf_counter()
            try:
                if options["parallel"] and queued:
                    result = rebuild_stats_parallel.delay(year)
                    self.stdout.write(f"Năm {year}: đã xếp hàng các tác vụ tỉnh/thành phố và bước cấp quốc gia "
                                      f"trên hàng đợi stats (tác vụ {result.id}).")
                elif options["parallel"]:  # eager Celery: the chord runs here, province after province
                    provinces = rebuild_stats_parallel.delay(year).get()
                    rows = StatRollup.objects.filter(year=year).count()
                    self.stdout.write(f"Năm {year}: {provinces} tỉnh/thành phố rồi cấp quốc gia, {rows:,} dòng, "
                                      f"{time.perf_counter() - started:.1f} giây.")
                else:
                    rows = aggregation.stats_rebuild(year=year)
                    self.stdout.write(f"Năm {year}: {rows:,} dòng, {time.perf_counter() - started:.1f} giây.")
            except DomainError as error:
                raise CommandError(error.message) from error
