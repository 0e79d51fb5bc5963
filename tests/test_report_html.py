"""The HTML report in a real browser: it renders, logs nothing and loads nothing but itself.

Debian's chromium runs headless against a local http.server. The server's log shows every request
the page made, and chromium's --enable-logging=stderr prints every console message (CSP violations
included) as a CONSOLE line. A control page that does load something and does log proves that
both channels would catch it.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import struct
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from checker.cli import main
from tests.conftest import AS_OF

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
WIDTH, HEIGHT = 1280, 2400

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (Debian: apt-get install chromium); .ci/run installs it",
)


@dataclass
class Server:
    url: str
    requests: list[str]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A local http.server serving tmp_path/site on 127.0.0.1 that records every request line."""
    site = tmp_path / "site"
    site.mkdir()
    requests: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            requests.append(self.requestline)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{httpd.server_address[1]}", requests)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def browse(url: str, screenshot: Path, profile: Path) -> list[str]:
    """Load url in headless chromium, save a screenshot, and return the console messages it logged."""
    assert CHROMIUM is not None
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            f"--window-size={WIDTH},{HEIGHT}",
            f"--screenshot={screenshot}",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return [line for line in done.stderr.splitlines() if ":CONSOLE" in line]


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_examples_report_renders_offline_without_console_errors(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["check", str(EXAMPLES), "--format", "html", "--as-of", AS_OF.isoformat()])
    (tmp_path / "site" / "report.html").write_text(capsys.readouterr().out, encoding="utf-8")
    shot = tmp_path / "report.png"
    console = browse(f"{server.url}/report.html", shot, tmp_path / "profile")
    assert console == []
    assert server.requests == ["GET /report.html HTTP/1.1"]
    assert png_size(shot) == (WIDTH, HEIGHT)
    # A blank page of this size compresses to about 10 kB; tables of text take far more.
    assert shot.stat().st_size > 100_000


def test_the_browser_check_catches_a_page_that_loads_or_logs(server: Server, tmp_path: Path) -> None:
    (tmp_path / "site" / "control.html").write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>control</title></head><body>'
        '<img src="/pixel.png" alt=""><script>console.error("control page")</script></body></html>',
        encoding="utf-8",
    )
    console = browse(f"{server.url}/control.html", tmp_path / "control.png", tmp_path / "profile")
    assert any('"control page"' in line for line in console)
    assert "GET /pixel.png HTTP/1.1" in server.requests
