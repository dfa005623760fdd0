"""`make demo` never destroys work: it refreshes an untouched demo and refuses, naming the
changed files and how to start over, when the demo was edited."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bake_demo.py"


def bake_demo(demo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(demo)], capture_output=True, text=True, check=False,
        timeout=120,
    )


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    folder = tmp_path / "demo"
    first = bake_demo(folder)
    assert first.returncode == 0, first.stderr
    return folder


def views(demo: Path) -> Path:
    return next(demo.glob("src/*/web/views.py"))


def test_running_make_demo_again_on_an_untouched_demo_refreshes_it(demo: Path) -> None:
    secrets = (demo / ".env").read_text()
    (demo / "instance").mkdir()
    (demo / "instance" / "app.db").write_bytes(b"stored tokens")
    cache = demo / "src" / "__pycache__"
    cache.mkdir()
    (cache / "x.pyc").write_bytes(b"tool output, not work")
    again = bake_demo(demo)
    assert again.returncode == 0, again.stderr
    assert (demo / ".env").read_text() == secrets
    assert (demo / "instance" / "app.db").read_bytes() == b"stored tokens"


@pytest.mark.parametrize("change", ["edited", "added", "deleted"])
def test_a_changed_demo_is_refused_and_left_as_it_is(demo: Path, change: str) -> None:
    target = views(demo)
    if change == "edited":
        target.write_text(target.read_text() + "\n# my workshop exercise\n")
    elif change == "added":
        target = target.with_name("my_page.py")
        target.write_text("# mine\n")
    else:
        target.unlink()
    before = {path: path.read_bytes() for path in demo.rglob("*") if path.is_file()}
    refused = bake_demo(demo)
    assert refused.returncode == 1
    assert target.name in refused.stderr
    assert "make demo-clean" in refused.stderr  # the way to start over
    assert len(refused.stderr.strip().splitlines()) == 1
    after = {path: path.read_bytes() for path in demo.rglob("*") if path.is_file()}
    assert after == before


def test_a_demo_without_a_record_is_refused(demo: Path) -> None:
    (demo / ".demo-bake.json").unlink()
    refused = bake_demo(demo)
    assert refused.returncode == 1 and "make demo-clean" in refused.stderr

