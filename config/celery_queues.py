"""Celery queues by kind of work (docs/scaling.md, Step 5): the one table that settings, docker-compose.yml, the
Makefile's workers and the docs follow.

Each kind needs different workers: PDF rendering is CPU- and memory-heavy; spreadsheet imports hold large files
and long transactions; the rollups are a few heavy SQL statements best run near the primary, one at a time;
reminder mail waits on SMTP. On one queue a burst of PDFs delays every rollup behind it.
Anything not listed (e.g. the nightly tree check) stays on Celery's default queue, "celery".

Time limits belong to the kind of task, whichever worker runs it: settings apply them to every task through
TimeLimitsByKind (Celery task annotations), also when routing is off and one worker consumes everything.
Routing itself (TASK_ROUTES) is on whenever a real broker is configured (CELERY_ROUTE_BY_KIND, settings).
The Redis visibility timeout is derived from the longest hard limit here (docs/adr/0009-celery-redelivery.md).

Pure Python, no Django or Celery import: settings import it, and `python -m config.celery_queues` serves the
Makefile (`make worker`, `make workers`) before anything is configured.
"""

from __future__ import annotations

import fnmatch
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_QUEUE = "celery"


@dataclass(frozen=True)
class Queue:
    name: str
    worker: str  # the compose service is worker-<worker>, the node <worker>@<host>
    tasks: tuple[str, ...]  # task names or globs, as Celery's task_routes reads them
    concurrency: int  # -c: processes of one worker
    soft_time_limit: int  # seconds: SoftTimeLimitExceeded inside the task, which can still stop cleanly
    time_limit: int  # seconds: the child process is killed, the task fails and is acknowledged
    max_tasks_per_child: int | None  # recycle the child after that many tasks (memory it never gives back)
    why: str


# Measured (docs/benchmarks.md, 2 cores): a 200-page annex renders in 33 s (goal < 60 s, 230 MB); a 100,000-row
# import takes 13 s end to end (225 MB; at most 200,000 rows are accepted); a year's full rollup 14–17 s per
# million households (68–84 s on a 5,000,000-household slice: about 7.6 minutes for the country's 27 M, one task
# per year, inside the stats soft limit of 600 s with little room); the daily reminders send one mail per officer
# to remind, one after the other, in one task (reports/reminders.py), so at national scale that is minutes.
KINDS: tuple[Queue, ...] = (
    Queue(
        name="documents", worker="documents",
        tasks=("campaigns.tasks.render_*", "awards.tasks.render_*", "documents.tasks.render_*"),
        concurrency=2, soft_time_limit=300, time_limit=360, max_tasks_per_child=50,
        why="CPU- and memory-heavy: about a minute and 230 MB for a long PDF; WeasyPrint's memory is "
            "given back by recycling the process",
    ),
    Queue(
        name="imports", worker="imports", tasks=("titles.tasks.run_import_job",),
        concurrency=2, soft_time_limit=540, time_limit=600, max_tasks_per_child=20,
        why="large workbooks (225 MB for 100,000 rows) and one long write transaction each",
    ),
    Queue(
        name="stats", worker="stats",
        tasks=("reports.tasks.refresh_dirty_stats", "reports.tasks.rebuild_stats*"),
        concurrency=1, soft_time_limit=600, time_limit=720, max_tasks_per_child=None,
        why="a few heavy SQL statements that grow with the country; a full rebuild holds its year's advisory "
            "lock; the per-province tasks of `stats_rebuild --parallel` would need more processes and cost more "
            "than the full rebuild at a million households per province (docs/scaling.md, section 2)",
    ),
    Queue(
        name="mail", worker="mail", tasks=("reports.tasks.send_report_reminders",),
        concurrency=1, soft_time_limit=540, time_limit=600, max_tasks_per_child=None,
        why="waits on SMTP: one daily task mails every digest of the day, one after the other",
    ),
    Queue(
        name=DEFAULT_QUEUE, worker="default", tasks=(),
        # The limits of every task not listed above: settings' CELERY_TASK_TIME_LIMIT_SECONDS may change them.
        concurrency=1, soft_time_limit=540, time_limit=600, max_tasks_per_child=None,
        why="everything else (units.tasks.verify_unit_paths)",
    ),
)

BY_NAME: dict[str, Queue] = {queue.name: queue for queue in KINDS}
DEFAULT = BY_NAME[DEFAULT_QUEUE]
QUEUES: tuple[str, ...] = tuple(queue.name for queue in KINDS)
TASK_ROUTES: dict[str, dict[str, str]] = {
    pattern: {"queue": queue.name} for queue in KINDS for pattern in queue.tasks
}


def queue_of(task_name: str) -> Queue:
    """The kind a task belongs to, by the same glob match as Celery's task_routes."""
    for queue in KINDS:
        if any(fnmatch.fnmatchcase(task_name, pattern) for pattern in queue.tasks):
            return queue
    return DEFAULT


def longest_time_limit(default_time_limit: int) -> int:
    """The longest hard limit of any task: the Redis visibility timeout must stay above it (ADR 0009)."""
    return max(default_time_limit, *(queue.time_limit for queue in KINDS if queue is not DEFAULT))


class TimeLimitsByKind:
    """A Celery task annotation (settings' CELERY_TASK_ANNOTATIONS): each routed task gets its kind's limits;
    the others keep the app-wide CELERY_TASK_TIME_LIMIT / CELERY_TASK_SOFT_TIME_LIMIT."""

    def annotate(self, task: Any) -> dict[str, int] | None:
        queue = queue_of(task.name)
        if queue is DEFAULT:
            return None
        return {"time_limit": queue.time_limit, "soft_time_limit": queue.soft_time_limit}

    def __repr__(self) -> str:  # shown by `celery report` and Django's diffsettings
        return "TimeLimitsByKind(config.celery_queues.KINDS)"


def worker_args(queue: Queue) -> list[str]:
    """What follows `celery -A config worker` for this queue's worker (docker-compose.yml, `make workers`)."""
    args = ["--loglevel=info", "-n", f"{queue.worker}@%h", "-Q", queue.name, "-c", str(queue.concurrency)]
    if queue.max_tasks_per_child:
        args += ["--max-tasks-per-child", str(queue.max_tasks_per_child)]
    return args


def worker_command(queue: Queue) -> list[str]:
    return ["celery", "-A", "config", "worker", *worker_args(queue)]


def run_workers(extra: list[str]) -> int:
    """`make workers`: one worker per queue, in the foreground. Ctrl-C or SIGTERM stops them all (warm shutdown:
    running tasks finish); if one exits on its own, the others are stopped too, so a broken one is not missed."""
    celery = str(Path(sys.executable).with_name("celery"))
    processes = [
        # Their own session: a terminal's Ctrl-C reaches only this supervisor, which stops each worker once.
        subprocess.Popen([celery, "-A", "config", "worker", *worker_args(queue), *extra],  # noqa: S603
                         start_new_session=True)
        for queue in KINDS
    ]

    asked_to_stop = False

    def stop(*_: object) -> None:
        nonlocal asked_to_stop
        asked_to_stop = True
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    pid, status = os.wait()  # the first worker to exit, whatever the reason
    if not asked_to_stop:  # it stopped on its own (a wrong option, no broker): a failure, whatever its code
        first = os.waitstatus_to_exitcode(status)
        print(f"worker {pid} exited ({first}): stopping the others", file=sys.stderr)  # noqa: T201
        stop()
        for process in processes:
            if process.pid != pid:
                process.wait()
        return abs(first) or 1
    # Asked to stop: a worker ends its warm shutdown by re-raising SIGTERM, which is a clean end here.
    codes = [os.waitstatus_to_exitcode(status) if process.pid == pid else process.wait() for process in processes]
    return max((abs(code) for code in codes if abs(code) != signal.SIGTERM), default=0)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "queues":  # make worker: one worker consuming every queue
        print(",".join(QUEUES))  # noqa: T201 - read by the Makefile
        return 0
    if command == "run":
        return run_workers(argv[1:])
    print("usage: python -m config.celery_queues queues | run [celery worker options]",  # noqa: T201
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
