"""Create the coming years' partitions of the tables partitioned by year (core/partitions.py), moving into them
the rows of their year that landed in DEFAULT meanwhile. Idempotent: run it once a year (or from cron) before
a new campaign year's data arrives; the migrations already made 2020–2031."""

from django.core.management.base import BaseCommand, CommandParser

from core.partitions import YEARS_AHEAD, ensure_partitions


class Command(BaseCommand):
    help = "Tạo trước phân vùng theo năm cho các bảng lớn (PostgreSQL) / create the next years' partitions"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--through", type=int, default=None,
                            help=f"the last year to have a partition (default: this year + {YEARS_AHEAD})")
        parser.add_argument("--database", default="default")

    def handle(self, *args: object, through: int | None = None, database: str = "default", **options: object) -> None:
        done = ensure_partitions(through=through, using=database)
        if not done:
            self.stdout.write("Không có phân vùng nào cần tạo / nothing to create.")
        for item in done:
            # "<partition>: <rows moved out of DEFAULT>"
            self.stdout.write(f"{item.table}_y{item.year}: {item.moved}")
