"""Rewrite the typing-debt sections of mypy.ini from a fresh mypy run (`make mypy-baseline`).

Everything after the `# MYPY-BASELINE` marker is generated: one `[mypy-<module>]` section per module that has
errors, disabling exactly the error codes it has. mypy is run on the configuration without those sections, so
debt that was fixed disappears from the list. Run it after fixing typing errors (the list shrinks), never to hide
a new kind of error in new code.
"""

import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "mypy.ini"
MARKER = "# MYPY-BASELINE\n"
ERROR = re.compile(r"^(?P<path>[\w/]+\.py):\d+(?::\d+)?: error: .*\[(?P<code>[a-z-]+)\]$")


def module_of(path: str) -> str:
    parts = path[: -len(".py")].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def main() -> int:
    text = CONFIG.read_text()
    if MARKER not in text:
        sys.stderr.write(f"{CONFIG} has no {MARKER.strip()} marker\n")
        return 2
    head = text[: text.index(MARKER) + len(MARKER)]
    scratch = ROOT / ".mypy-baseline.ini"
    scratch.write_text(head)
    try:
        run = subprocess.run(  # noqa: S603 - our own virtualenv's mypy, fixed arguments
            [str(Path(sys.executable).with_name("mypy")), "--config-file", str(scratch), "--no-error-summary"],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )
    finally:
        scratch.unlink()
    codes: dict[str, set[str]] = defaultdict(set)
    unmatched = []
    for line in run.stdout.splitlines():
        match = ERROR.match(line)
        if match:
            codes[module_of(match["path"])].add(match["code"])
        elif ": error:" in line:
            unmatched.append(line)
    if unmatched or run.returncode not in (0, 1):
        sys.stderr.write("\n".join(unmatched) or run.stderr)
        return 2  # an error without a code (syntax, config) is never baselined
    sections = [f"[mypy-{module}]\ndisable_error_code = {', '.join(sorted(found))}\n"
                for module, found in sorted(codes.items())]
    CONFIG.write_text(head + "\n".join(sections))
    sys.stdout.write(f"mypy.ini: {len(sections)} modules with typing debt, "
                     f"{sum(len(c) for c in codes.values())} error codes disabled\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
