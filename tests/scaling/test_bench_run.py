"""benchmarks/run.py: docs/benchmarks.md by sections, `make bench BENCH_ONLY=…` replacing only those sections.

No database here: the PostgreSQL steps and the scripts themselves are replaced by fakes; what is checked is what
gets written where (the benchmarks' own figures are measured by `make bench`, never asserted in tests).
"""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path

import pytest

from benchmarks import run
from benchmarks.common import measured_line, parse_measured

DOCS = Path(run.ROOT) / "docs" / "benchmarks.md"


def _section(name: str, text: str) -> str:
    return f"<!-- bench:{name} -->\n## {text}\n\nbody of {name}\n<!-- /bench:{name} -->\n"


def _doc(*names: str, between: str = "\n") -> str:
    return "# Benchmarks\n\nold head\n\n" + between.join(_section(n, n.upper()) for n in names)


def test_the_committed_benchmarks_page_is_in_sections_and_survives_a_round_trip():
    text = DOCS.read_text(encoding="utf-8")
    doc = run.Document.parse(text)
    names = [name for name, _body in doc.sections()]
    # Every section present belongs to a script run.py knows, in run.py's order.
    assert names == [script for script in run.SCRIPTS if script in names]
    assert {"bench_units.py", "bench_pdf.py", "bench_reports.py", "bench_import.py", "bench_load.py"} <= set(names)
    assert doc.render() == text
    for name, body in doc.sections():
        assert parse_measured(body) is not None, f"{name} has no 'Measured <date>' line"


def test_replacing_one_section_keeps_every_other_byte():
    text = _doc("bench_units.py", "bench_pdf.py", "bench_load.py", between="\nhand-written note between\n\n")
    doc = run.Document.parse(text)
    doc.put("bench_pdf.py", "## PDF rendering\n\nnew figures\n")
    out = doc.render()
    assert "body of bench_pdf.py" not in out
    assert "<!-- bench:bench_pdf.py -->\n## PDF rendering\n\nnew figures\n<!-- /bench:bench_pdf.py -->\n" in out
    assert out.replace("## PDF rendering\n\nnew figures\n", "## BENCH_PDF.PY\n\nbody of bench_pdf.py\n") == text


@pytest.mark.parametrize(("present", "expected"), [
    (["bench_units.py", "bench_reports.py", "bench_import.py"],
     ["bench_units.py", "bench_reports.py", "bench_partitions.py", "bench_import.py"]),
    (["bench_import.py"], ["bench_partitions.py", "bench_import.py"]),
    (["bench_units.py"], ["bench_units.py", "bench_partitions.py"]),
])
def test_a_new_section_goes_where_the_scripts_order_puts_it(present, expected):
    doc = run.Document.parse(_doc(*present))
    doc.put("bench_partitions.py", "## Partitions\n\nfigures\n")
    out = doc.render()
    assert [name for name, _body in run.Document.parse(out).sections()] == expected
    assert "<!-- /bench:bench_partitions.py -->\n<!-- bench:" not in out, "sections are separated by a blank line"


def test_an_empty_document_gets_its_first_section():
    doc = run.Document.parse("")
    doc.put("bench_units.py", "## Tree\n")
    assert doc.render() == "<!-- bench:bench_units.py -->\n## Tree\n<!-- /bench:bench_units.py -->\n"


@pytest.mark.parametrize(("text", "message"), [
    (_doc("bench_units.py").replace("<!-- /bench:bench_units.py -->\n", ""), "a marker is missing"),
    (_doc("bench_units.py") + "<!-- /bench:bench_pdf.py -->\n", "a marker is missing"),
    (_doc("bench_units.py", "bench_units.py"), "a section appears twice"),
    ("# Benchmarks\n\n## Administrative tree\n\nfigures\n", "no `<!-- bench:<script> -->` sections"),
])
def test_a_document_whose_markers_do_not_pair_is_refused(text, message):
    with pytest.raises(run.MarkerError, match=message):
        run.Document.parse(text)


def test_bench_only_names_the_scripts_in_run_order():
    assert run.selection("") == run.SCRIPTS
    assert run.selection("bench_load.py, reports,bench_units") == ["bench_units.py", "bench_reports.py",
                                                                  "bench_load.py"]
    with pytest.raises(SystemExit, match="unknown script\\(s\\) bench_nothing.py; known: bench_units.py"):
        run.selection("bench_reports.py,bench_nothing.py")


def test_the_measured_line_goes_under_the_heading_and_reads_back():
    started = datetime.datetime(2026, 12, 1, 17, 5, tzinfo=datetime.UTC)
    line = measured_line(started, 200.4, (0.93, 1.37), "`make bench`")
    body = run.stamp("## Import\n\nThe table.\n", line)
    assert body.split("\n")[:4] == ["## Import", "", line, ""]
    assert parse_measured(body) == {"date": "01/12/2026", "time": "17:05", "took": "3 min 20 s", "before": "0.9",
                                    "after": "1.4"}
    assert parse_measured("_Measured 22/11/2026 by the whole run._") == {
        "date": "22/11/2026", "time": None, "took": None, "before": None, "after": None}


class _Fakes:
    """What main() would do to PostgreSQL and the scripts, recorded instead of done."""

    def __init__(self, outputs: dict[str, tuple[int, str]]):
        self.outputs, self.ran, self.databases, self.commands = outputs, [], [], []

    def prepare(self, url: str, fresh: bool) -> bool:
        self.databases.append(fresh)
        return fresh

    def script(self, script: str, env: dict) -> subprocess.CompletedProcess:
        self.ran.append(script)
        code, out = self.outputs.get(script, (0, f"## {script} measured\n\nnew figures\n"))
        return subprocess.CompletedProcess([script], code, out, "Traceback: boom\n" if code else "")


@pytest.fixture
def fakes(monkeypatch):
    def install(outputs=None, tree=True):
        fake = _Fakes(outputs or {})
        monkeypatch.setattr(run, "_prepare_database", fake.prepare)
        monkeypatch.setattr(run, "_run_script", fake.script)
        monkeypatch.setattr(run, "_tree_loaded", lambda url: tree)

        def command(args, **kwargs):
            fake.commands.append(" ".join(args[:3]))
            return subprocess.CompletedProcess(args, 0, "15.20\n", "")

        monkeypatch.setattr(run.subprocess, "run", command)
        for name in ("BENCH_QUICK", "BENCH_FRESH", "BENCH_ONLY", "BENCH_OUTPUT"):
            monkeypatch.delenv(name, raising=False)
        return fake

    return install


def test_bench_only_replaces_only_its_sections_and_a_failure_keeps_the_old_one(fakes, monkeypatch, tmp_path):
    target = tmp_path / "benchmarks.md"
    before = _doc("bench_units.py", "bench_pdf.py", "bench_reports.py", "bench_load.py")
    target.write_text(before, encoding="utf-8")
    fake = fakes({"bench_reports.py": (1, "half a section")})
    monkeypatch.setenv("BENCH_OUTPUT", str(target))
    monkeypatch.setenv("BENCH_ONLY", "bench_load.py,bench_reports.py")

    with pytest.raises(SystemExit) as exit_:
        run.main([])

    assert exit_.value.code == 1
    assert fake.ran == ["bench_reports.py", "bench_load.py"], "the failure did not stop the next script"
    assert fake.databases == [False], "BENCH_ONLY keeps the database"
    doc = run.Document.parse(target.read_text(encoding="utf-8"))
    old = run.Document.parse(before)
    for name in ("bench_units.py", "bench_pdf.py", "bench_reports.py"):
        assert doc.body(name) == old.body(name)
    assert "half a section" not in target.read_text(encoding="utf-8")
    load = doc.body("bench_load.py")
    assert load.startswith("## bench_load.py measured\n\n_Measured ")
    assert "by `make bench BENCH_ONLY=bench_reports.py,bench_load.py`" in load and "new figures" in load
    assert "old head" not in doc.head
    assert "Failed in that run, their sections (if any) left as they were: `bench_reports.py`." in doc.head
    assert "| BENCH_UNITS.PY | `bench_units.py` | not recorded |" in doc.head
    assert f"| bench_load.py measured | `bench_load.py` | {parse_measured(load)['date']}" in doc.head


def test_bench_only_gives_a_new_database_its_tree_without_writing_that_section(fakes, monkeypatch, tmp_path):
    target = tmp_path / "benchmarks.md"
    target.write_text(_doc("bench_units.py", "bench_load.py"), encoding="utf-8")
    fake = fakes(tree=False)
    monkeypatch.setenv("BENCH_OUTPUT", str(target))
    monkeypatch.setenv("BENCH_ONLY", "bench_load.py")

    run.main([])

    assert any("manage.py migrate" in command for command in fake.commands)
    assert fake.ran == ["bench_units.py", "bench_load.py"]
    assert "body of bench_units.py" in target.read_text(encoding="utf-8")


def test_bench_only_of_the_pdf_section_needs_no_database_work(fakes, monkeypatch, tmp_path):
    target = tmp_path / "benchmarks.md"
    target.write_text(_doc("bench_units.py", "bench_pdf.py"), encoding="utf-8")
    fake = fakes(tree=False)
    monkeypatch.setenv("BENCH_OUTPUT", str(target))
    monkeypatch.setenv("BENCH_ONLY", "pdf")

    run.main([])

    assert fake.ran == ["bench_pdf.py"]
    assert not any("migrate" in command for command in fake.commands)
    assert "body of bench_pdf.py" not in target.read_text(encoding="utf-8")


def test_a_quick_run_writes_a_new_temp_file_and_never_docs(fakes, monkeypatch, tmp_path):
    docs_before = DOCS.read_bytes()
    # An older quick run's file, with a section of a script that this run does not run (retired since).
    (tmp_path / "benchmarks-quick.md").write_text(_doc("bench_units.py", "bench_retired.py"), encoding="utf-8")
    monkeypatch.setattr(run.tempfile, "gettempdir", lambda: str(tmp_path))
    fake = fakes()
    monkeypatch.setenv("BENCH_QUICK", "1")

    run.main([])

    assert fake.databases == [True], "a whole run starts on a database created afresh"
    out = (tmp_path / "benchmarks-quick.md").read_text(encoding="utf-8")
    assert out.startswith("# Benchmarks (BENCH_QUICK=1: small sizes, figures not comparable)\n")
    assert "body of bench_" not in out, "no section of an older run is kept in a smoke check's file"
    present = [s for s in run.SCRIPTS if (run.HERE / s).exists()]
    assert fake.ran == present
    assert [name for name, _body in run.Document.parse(out).sections()] == present
    assert "by `BENCH_QUICK=1 make bench`" in out
    assert DOCS.read_bytes() == docs_before


def test_put_merges_a_section_measured_elsewhere(monkeypatch, tmp_path):
    target, source = tmp_path / "benchmarks.md", tmp_path / "h1.md"
    before = _doc("bench_units.py", "bench_reports.py", "bench_load.py")
    target.write_text(before.replace("old head", "Machine of that run: 2 cores, PostgreSQL 15.20."), encoding="utf-8")
    source.write_text("## Yearly statistics rollup\n\n_Measured 01/12/2026 17:40 UTC by hand._\n\nnew rows\n",
                      encoding="utf-8")
    monkeypatch.setenv("BENCH_OUTPUT", str(target))
    put = ["--put", "reports", str(source)]

    run.main(put)

    doc, old = run.Document.parse(target.read_text(encoding="utf-8")), run.Document.parse(before)
    assert doc.body("bench_reports.py") == source.read_text(encoding="utf-8")
    assert doc.body("bench_units.py") == old.body("bench_units.py")
    assert doc.body("bench_load.py") == old.body("bench_load.py")
    assert "| Yearly statistics rollup | `bench_reports.py` | 01/12/2026 17:40 |" in doc.head
    assert "Machine of that run: 2 cores, PostgreSQL 15.20." in doc.head

    source.write_text(_section("bench_reports.py", "nested"), encoding="utf-8")
    with pytest.raises(SystemExit, match="contains bench markers"):
        run.main(put)
    assert run.Document.parse(target.read_text(encoding="utf-8")).body("bench_reports.py") == doc.body(
        "bench_reports.py")
