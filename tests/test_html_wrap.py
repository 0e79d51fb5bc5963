"""Long values wrap inside their cells in the HTML report, checked in a real browser's layout.

The report forbids scripts; a copy without its Content-Security-Policy gets a script that measures
every table cell and writes the ones whose content is wider than the cell into the page, which
chromium's --dump-dom then prints.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.test_report_formats import AS_OF_ARG
from tests.test_report_html import CHROMIUM, WIDTH
from tests.test_reports import CLEAN, MANIFEST, check, git, repository, variant, write

DIGEST = "sha256:9f2c1e7a4b6d8f0a2c4e6a8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f"
NEW_DIGEST = "sha256:" + "7" * 64
MEASURE = """<script>
addEventListener("load", () => {
  const wide = [...document.querySelectorAll("td")].filter((td) => td.scrollWidth > td.clientWidth + 1);
  const page = document.documentElement.scrollWidth > innerWidth + 1;
  const out = document.createElement("pre");
  out.id = "measured";
  out.textContent = JSON.stringify({page, cells: wide.map((td) => td.textContent.trim().slice(0, 80))});
  document.body.append(out);
});
</script>"""

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed; .ci/run installs it")


def overflowing(html: str, tmp_path: Path, width: int) -> str:
    """What overflows when html is laid out at width pixels: the JSON the script wrote."""
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    assert "Content-Security-Policy" not in html
    page = tmp_path / "measured.html"
    page.write_text(html.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    assert CHROMIUM is not None
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--window-size={width},2000",
            "--virtual-time-budget=5000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'<pre id="measured">(.*?)</pre>', done.stdout, re.S)
    assert found is not None, done.stdout[-2000:]
    return found.group(1).replace("&quot;", '"')


# At 1,100 pixels and below, the digests used to widen the governance diff past its card.
@pytest.mark.parametrize("width", [WIDTH, 1100, 900])
def test_digests_in_the_governance_diff_wrap_inside_their_cells(
    width: int, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repository(tmp_path / "repo", {MANIFEST: CLEAN})
    git(root, "checkout", "-q", "-b", "change")
    write(root, {MANIFEST: variant(CLEAN, (DIGEST, NEW_DIGEST))})
    monkeypatch.chdir(root)
    _, html = check(capsys, "--format", "html", "--base", "main", *AS_OF_ARG)
    assert DIGEST in html and NEW_DIGEST in html

    assert overflowing(html, tmp_path, width) == '{"page":false,"cells":[]}'


def test_the_measurement_sees_a_cell_that_overflows(tmp_path: Path) -> None:
    html = (
        "<!DOCTYPE html><html><head><style>table{width:200px;table-layout:fixed}"
        "td{white-space:nowrap;overflow:hidden}</style></head><body><table><tr><td>"
        + DIGEST
        + "</td></tr></table></body></html>"
    )
    assert overflowing(html, tmp_path, WIDTH) == f'{{"page":false,"cells":["{DIGEST}"]}}'
