"""Reading PDFs the way a person checks them: poppler's own tools, run for real."""

import socket
import subprocess
import threading
from pathlib import Path


def pdftotext(path: Path, *, first: int | None = None, last: int | None = None) -> str:
    args = ["pdftotext", "-layout"]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    return subprocess.run([*args, str(path), "-"], check=True, capture_output=True, text=True).stdout


def pdftotext_region(path: Path, *, page: int, x: int, y: int, width: int, height: int) -> str:
    """Text inside a rectangle of a page, in points from the top left (72 dpi)."""
    args = ["pdftotext", "-layout", "-r", "72", "-f", str(page), "-l", str(page),
            "-x", str(x), "-y", str(y), "-W", str(width), "-H", str(height)]
    return subprocess.run([*args, str(path), "-"], check=True, capture_output=True, text=True).stdout


def pdfinfo(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def pdffonts(path: Path) -> str:
    return subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout


def squash(text: str) -> str:
    """Whitespace collapsed, so that a phrase wrapped over two layout lines is still found."""
    return " ".join(text.split())


def write(tmp_path: Path, data: bytes, name: str = "doc.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


class ConnectionRecorder:
    """A TCP server on loopback that only records who connected: proof that nothing reached out."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections: list[tuple] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, addr = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections.append(addr)
            conn.close()

    def settled_connections(self) -> list[tuple]:
        """Every connection made so far, including any the kernel completed but nobody accepted yet
        (a connect() succeeds in the backlog before accept()), so the check needs no sleeping."""
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.setblocking(False)
        while True:
            try:
                conn, addr = self.sock.accept()
            except (BlockingIOError, OSError):
                break
            self.connections.append(addr)
            conn.close()
        return list(self.connections)

    def url(self, path: str = "/x.png") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()
