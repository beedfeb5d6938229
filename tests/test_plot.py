"""Timeline plots: the seed story drawn to a PNG that is valid, sized and not blank."""

from __future__ import annotations

import io
import struct
import sys
from pathlib import Path

import pytest

from ledger import Ledger, MissingDependencyError
from ledger.cli import main

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))
import syria_coast_2025 as story  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _seed(path: Path) -> Path:
    clock = story.DeskClock()
    with Ledger.open(path, actor="data-desk", clock=clock) as ledger:
        story.record_saturday(ledger)
        story.record_later_changes(ledger, clock)
    return path


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which a PNG must start with."""
    assert data[:8] == PNG_MAGIC
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize(
    ("key", "colours"),
    [
        # Two sources, a revision and open upper bounds (hatched bands).
        (["--metric", "killed"], 2),
        # A range band, then a retraction.
        (["--metric", "missing", "--group", "security_forces", "--by", "loyalists"], 1),
    ],
)
def test_the_seed_storys_timeline_renders_to_a_real_png(
    tmp_path: Path, key: list[str], colours: int
) -> None:
    import numpy as np  # noqa: PLC0415 - matplotlib's own dependency
    from matplotlib.colors import to_rgb  # noqa: PLC0415
    from matplotlib.image import imread  # noqa: PLC0415

    db = _seed(tmp_path / "story.db")
    png = tmp_path / "timeline.png"
    out, err = io.StringIO(), io.StringIO()
    code = main(["--db", str(db), "timeline", story.INCIDENT, *key, "--plot", str(png)],
                stdout=out, stderr=err)  # fmt: skip
    assert code == 0, err.getvalue()
    assert f"wrote {png}" in err.getvalue()
    data = png.read_bytes()
    width, height = _png_size(data)
    assert (width, height) == (1200, 672)  # 10 x 5.6 inches at 120 dpi
    assert len(data) > 20_000
    pixels = imread(png)[:, :, :3]
    assert pixels.shape == (height, width, 3)
    distinct = np.unique((pixels * 255).round().reshape(-1, 3), axis=0)
    assert len(distinct) > 50  # text, lines, bands and hatching, not a blank canvas
    # Each source's line is drawn in its own colour.
    for index in range(colours):
        colour = np.array(to_rgb(f"C{index}"))
        assert (np.abs(pixels - colour).max(axis=2) < 0.02).sum() > 500


def test_without_matplotlib_the_command_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _seed(tmp_path / "story.db")
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    out, err = io.StringIO(), io.StringIO()
    png = tmp_path / "timeline.png"
    code = main(["--db", str(db), "timeline", story.INCIDENT, "--metric", "killed", "--plot",
                 str(png)], stdout=out, stderr=err)  # fmt: skip
    assert code == 1
    assert err.getvalue() == (
        "ledger: error: drawing a timeline needs the 'plot' extra: "
        "pip install 'incident-ledger[plot]'\n"
    )
    assert not png.exists()


def test_plot_timeline_raises_a_typed_error_without_matplotlib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ledger.plot import plot_timeline  # noqa: PLC0415

    ledger = Ledger.in_memory(actor="t")
    story.record_saturday(ledger)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(MissingDependencyError) as caught:
        plot_timeline(ledger.timeline(story.INCIDENT, metric="killed"), tmp_path / "x.png")
    assert caught.value.extra == "plot"


def test_an_empty_timeline_still_draws(tmp_path: Path) -> None:
    from ledger.plot import plot_timeline  # noqa: PLC0415

    ledger = Ledger.in_memory(actor="t")
    story.record_saturday(ledger)
    png = tmp_path / "empty.png"
    plot_timeline(ledger.timeline(story.INCIDENT, metric="injured"), png)
    assert _png_size(png.read_bytes()) == (1200, 672)
