"""`manage.py generate_synthetic`: a realistic synthetic data set at a chosen scale (see reports/synthetic.py)."""

import re
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.errors import DomainError
from reports.aggregation import stats_rebuild
from reports.synthetic import generate_synthetic
from units.models import Level, Unit
from units.selectors import units_valid_on


def _years(text: str) -> list[int]:
    match = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4}))?\s*", text)
    if not match:
        raise CommandError(f"--years: cần dạng 2025 hoặc 2023-2026, nhận được “{text}”.")
    first, last = int(match[1]), int(match[2] or match[1])
    if last < first:
        raise CommandError("--years: năm cuối phải không nhỏ hơn năm đầu.")
    return list(range(first, last + 1))


class Command(BaseCommand):
    help = ("Tạo dữ liệu tổng hợp (thôn, hộ gia đình, công dân, danh hiệu, báo cáo) trên cây đơn vị hiện hành "
            "của một hoặc vài tỉnh, để đo hiệu năng. Cùng --seed cho cùng dữ liệu.")

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--province-code", action="append", dest="codes", metavar="MÃ",
                           help="Mã tỉnh hiện hành (ví dụ 42); có thể lặp lại.")
        which.add_argument("--provinces", type=int, metavar="N", help="N tỉnh hiện hành đầu tiên theo mã.")
        parser.add_argument("--households", type=int, required=True, help="Tổng số hộ gia đình (ví dụ 1000000).")
        parser.add_argument("--citizens-per-household", type=float, default=3, help="Số nhân khẩu mỗi hộ (mặc định 3).")
        parser.add_argument("--years", default=str(timezone.localdate().year),
                            help="Năm hoặc khoảng năm, ví dụ 2023-2026.")
        parser.add_argument("--seed", type=int, default=2026, help="Hạt giống ngẫu nhiên (mặc định 2026).")
        parser.add_argument("--report-share", type=float, default=0.3,
                            help="Tỷ lệ xã/trường có báo cáo đã tiếp nhận mỗi năm (mặc định 0,3).")
        parser.add_argument("--replace", action="store_true", help="Xóa dữ liệu tổng hợp cũ của tỉnh rồi tạo lại.")
        parser.add_argument("--rebuild", action="store_true", help="Tính lại số liệu thống kê các năm đã tạo.")

    def _provinces(self, options) -> list[Unit]:
        current = units_valid_on(Unit.objects.filter(level=Level.PROVINCE), timezone.localdate()).order_by("code")
        if options["provinces"] is not None:
            if options["provinces"] < 1:
                raise CommandError("--provinces phải lớn hơn 0.")
            return list(current[: options["provinces"]])
        provinces = []
        for code in options["codes"]:
            province = current.filter(code=code).first()
            if province is None:
                raise CommandError(f"Không có tỉnh/thành phố hiện hành mã “{code}” (đã chạy load_admin_units chưa?).")
            provinces.append(province)
        return provinces

    def handle(self, *args, **options):
        provinces = self._provinces(options)
        started = time.perf_counter()
        try:
            result = generate_synthetic(
                provinces=provinces, households=options["households"], years=_years(options["years"]),
                seed=options["seed"], citizens_per_household=options["citizens_per_household"],
                report_share=options["report_share"], replace=options["replace"],
                progress=lambda line: self.stdout.write(f"  [{time.perf_counter() - started:7.1f} giây] {line}"),
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(
            f"Đã tạo dữ liệu tổng hợp cho {', '.join(result.provinces)}: {result.communes} xã/phường, "
            f"{result.hamlets:,} thôn/tổ dân phố, {result.organisations:,} cơ quan/trường học, "
            f"{result.clans:,} dòng họ, "
            f"{result.households:,} hộ, {result.citizens:,} công dân, {result.recognitions:,} lượt công nhận, "
            f"{result.reports} báo cáo đã tiếp nhận; {elapsed:.1f} giây."
        ))
        if options["rebuild"]:
            for year in _years(options["years"]):
                started = time.perf_counter()
                rows = stats_rebuild(year=year)
                self.stdout.write(f"Thống kê năm {year}: {rows:,} dòng; {time.perf_counter() - started:.1f} giây.")
