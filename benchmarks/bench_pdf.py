"""PDF rendering of state documents (core.documents, WeasyPrint): a 5-page plan rendered warm, and a
200-page annex. Each measurement runs in a fresh subprocess so that its peak memory (getrusage maxrss)
is its own; the figure is the median of 5 such runs.

Run: .venv/bin/python benchmarks/bench_pdf.py   (no database needed: documents are built in memory)
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

from common import QUICK, fmt_s, median, table

RUNS = 1 if QUICK else 5  # BENCH_QUICK=1: one fresh process per document, only to see that it renders
GOALS = {"plan": ("< 1 s", 1.0, None), "annex": ("< 60 s and < 500 MB", 60.0, 500.0)}
PARAGRAPH = (
    "<p>Phát huy sức mạnh của cả hệ thống chính trị trong việc tuyên truyền, nâng cao nhận thức của các tầng "
    "lớp nhân dân về vai trò, ý nghĩa của khuyến học, khuyến tài, học tập suốt đời, xây dựng xã hội học tập; từ "
    "đó, các tầng lớp nhân dân, các cơ quan, đơn vị, doanh nghiệp chủ động, tích cực tham gia bằng những hành "
    "động và việc làm cụ thể.</p>"
)
HEADINGS = ["MỤC ĐÍCH, YÊU CẦU", "NỘI DUNG PHONG TRÀO THI ĐUA", "TIÊU CHÍ THI ĐUA VÀ HÌNH THỨC KHEN THƯỞNG",
            "GIẢI PHÁP THỰC HIỆN", "TIẾN ĐỘ THỰC HIỆN", "KINH PHÍ THỰC HIỆN", "TỔ CHỨC THỰC HIỆN"]
PLAN_PARAGRAPHS_PER_SECTION = 4  # 7 sections × 4 paragraphs of seed-like text: 5 pages
ANNEX_ROWS = 700 if QUICK else 7_100  # rows of a targets table (STT, unit, indicator, target, result): ~200 pages


def _document(annex_rows: int = 0):
    from core.documents import Annex, AnnexTable, SignatureBlock, StateDocument

    body = "".join(
        f"<h3>{numeral}. {heading}</h3>" + PARAGRAPH * PLAN_PARAGRAPHS_PER_SECTION
        for numeral, heading in zip(["I", "II", "III", "IV", "V", "VI", "VII"], HEADINGS, strict=True)
    )
    annexes = ()
    if annex_rows:
        rows = tuple(
            (str(i), f"Xã Thử Nghiệm {i}, huyện Mẫu {i % 97}", "Gia đình học tập", "70%", f"{60 + i % 30}%")
            for i in range(1, annex_rows + 1)
        )
        table = AnnexTable(columns=("STT", "Đơn vị", "Chỉ tiêu", "Kế hoạch", "Thực hiện"), rows=rows,
                           widths=(8, 46, 22, 12, 12))
        annexes = (Annex("Chỉ tiêu và kết quả thực hiện của các đơn vị cấp xã", table=table),)
    return StateDocument(
        issuing_body="Ủy ban nhân dân tỉnh Bình Dương", number="151/KH-UBND", place="Bình Dương",
        date=datetime.date(2024, 1, 15), type_label="KẾ HOẠCH",
        title="Triển khai thực hiện Phong trào “Cả nước thi đua xây dựng xã hội học tập, đẩy mạnh học tập suốt "
              "đời giai đoạn 2023-2030” trên địa bàn tỉnh Bình Dương",
        body_html=body if not annex_rows else PARAGRAPH * 3, recipients=("Bộ GDĐT;", "Lưu: VT."),
        signature=SignatureBlock(("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"), "Phó Chủ tịch", "Nguyễn Lộc Hà"),
        annexes=annexes,
    )


def child(scenario: str) -> None:
    """One measurement in this fresh process; prints JSON on stdout."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from core.documents import render_pdf

    render_pdf(_document())  # warm: fonts, templates and WeasyPrint's own stylesheets loaded once
    document = _document(annex_rows=ANNEX_ROWS if scenario == "annex" else 0)
    started = time.perf_counter()
    rendered = render_pdf(document)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "pages": rendered.page_count,
                      "bytes": len(rendered.data)}))


def measure(scenario: str) -> list[dict]:
    results = []
    for _run in range(RUNS):
        out = subprocess.run([sys.executable, __file__, "--child", scenario], check=True, capture_output=True,
                             text=True, env={**os.environ, "LOG_LEVEL": "WARNING"})
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return results


def _memory_gib() -> str:
    with open("/proc/meminfo") as fh:
        return f"{int(fh.readline().split()[1]) / 1024 / 1024:.1f} GiB"


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            return next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "?"


def main() -> None:
    import weasyprint

    load_before = os.getloadavg()[0]
    rows = []
    for scenario, label in (("plan", "plan, warm"), ("annex", "plan + annex table, warm")):
        results = measure(scenario)
        seconds = [r["seconds"] for r in results]
        peaks = [r["peak_mb"] for r in results]
        goal_text, goal_s, goal_mb = GOALS[scenario]
        met = median(seconds) < goal_s and (goal_mb is None or median(peaks) < goal_mb)
        rows.append([
            label, str(results[0]["pages"]), fmt_s(median(seconds)), f"{fmt_s(min(seconds))} – {fmt_s(max(seconds))}",
            f"{median(peaks):.0f} MB", f"{results[0]['bytes'] / 1024:.0f} KiB", goal_text, "yes" if met else "**no**",
        ])
    print("## PDF rendering\n")
    print(f"Measured {datetime.datetime.now(datetime.UTC):%d/%m/%Y %H:%M} UTC on {os.cpu_count()} cores (nproc), "
          f"{_memory_gib()} memory, {_cpu()}; Python {platform.python_version()}, WeasyPrint {weasyprint.__version__}. "
          f"Each row: median of {RUNS} runs, each in a fresh process that first renders one plan to warm up "
          "(fonts, templates), then renders the measured document; peak memory is that process's maxrss "
          "(Python, Django and WeasyPrint included). Load average (1 min) before/after: "
          f"{load_before:.1f}/{os.getloadavg()[0]:.1f} — on a shared machine, other work slows the slow end.\n")
    print(table(["document", "pages", "median time", "range", "peak memory", "PDF size", "goal", "met"], rows))
    print("\nCommand: `.venv/bin/python benchmarks/bench_pdf.py`\n")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        main()
