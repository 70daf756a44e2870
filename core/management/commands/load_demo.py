"""Load the real hierarchy and a worked-through demo; safe to run again (it changes nothing)."""

import importlib
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

# Each capability adds its part of the demo as a module with `load(context, credentials) -> dict`;
# order matters (plans need units, reports need plans). `context` carries what earlier steps made.
DEMO_STEPS = ["units.demo", "core.documents.demo", "titles.demo", "campaigns.demo", "reports.demo", "awards.demo",
              "core.documents.demo_acts"]


class Command(BaseCommand):
    help = "Nạp cây đơn vị hành chính thật và dữ liệu trình diễn (chạy lại không thay đổi gì)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Cho phép chạy khi DEBUG=False.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Dữ liệu trình diễn chỉ dùng cho môi trường phát triển (dùng --force nếu chắc chắn).")
        call_command("load_admin_units", stdout=self.stdout)
        credentials: list[tuple[str, str, str]] = []
        context: dict[str, Any] = {}
        from reports.aggregation import mend_planner_statistics

        for step in DEMO_STEPS:
            # PostgreSQL: statistics taken while a table held only dead rows read "empty" whatever the previous
            # step wrote, and turn its queries into nested loops over thousands of rows (minutes per query).
            mend_planner_statistics()
            module = importlib.import_module(step)
            result = module.load(context, credentials)
            if isinstance(result, dict):
                context.update(result)
        seen = set()
        self.stdout.write(self.style.SUCCESS("\nTài khoản trình diễn (tên đăng nhập / mật khẩu / vai trò):"))
        for username, password, roles in credentials:
            if username in seen:
                continue
            seen.add(username)
            self.stdout.write(f"  {username:<16} {password:<14} {roles}")
        self.stdout.write("\nMở http://127.0.0.1:8000 và đăng nhập bằng một tài khoản ở trên.")
