"""Shared chart look: an accessible palette, markers, and the Chart container with alt text."""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # reports are rendered headless; set before pyplot is imported
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

#: Government Analysis Function accessible categorical palette (dark blue, turquoise,
#: dark pink, orange, dark grey, light purple): distinguishable with colour-vision deficiency.
PALETTE: tuple[str, ...] = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")
#: Marker shapes paired with PALETTE, so colour is never the only cue.
MARKERS: tuple[str, ...] = ("o", "s", "D", "^", "v", "P")
LINESTYLES: tuple[str, ...] = ("-", "--", ":", "-.", (0, (5, 1)), (0, (3, 1, 1, 1)))

BASELINE_COLOUR = PALETTE[4]
OUTCOME_COLOUR = PALETTE[0]
DPI = 110


def new_figure(width: float = 7.5, height: float = 4.2) -> tuple[Figure, plt.Axes]:
    """A figure in the house style (white, light grid, readable fonts)."""
    # no layout engine: the PNG is cropped to its artists when saved (bbox_inches="tight"),
    # one text-layout pass instead of constrained layout's several (a quarter of the time)
    fig, ax = plt.subplots(figsize=(width, height), dpi=DPI)
    ax.grid(axis="both", color="#DDDDDD", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig, ax


@dataclass
class Chart:
    """A finished chart: the figure, a file stem, a title and alt text that states the finding."""

    name: str
    figure: Figure
    alt: str
    title: str = ""
    _png: bytes | None = field(default=None, init=False, repr=False, compare=False)

    def png_bytes(self) -> bytes:
        """The PNG, rendered once: saving and embedding reuse it (a render costs ~0.2 s)."""
        if self._png is None:
            buffer = io.BytesIO()
            # metadata without a creation date keeps the PNG byte-identical across runs
            self.figure.savefig(
                buffer,
                format="png",
                dpi=DPI,
                bbox_inches="tight",
                pad_inches=0.12,
                metadata={"Software": None},
                pil_kwargs={"compress_level": 1},  # fast to write; the HTML embeds it once
            )
            self._png = buffer.getvalue()
        return self._png

    def save(self, folder: str | Path) -> Path:
        """Write ``<folder>/<name>.png`` and return its path."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.name}.png"
        path.write_bytes(self.png_bytes())
        return path

    def to_html(self) -> str:
        """An embedded ``<figure>`` with the PNG inline and the alt text on the image."""
        data = base64.b64encode(self.png_bytes()).decode("ascii")
        caption = f"<figcaption>{html.escape(self.title)}</figcaption>" if self.title else ""
        return (
            f'<figure class="ipm-chart" id="chart-{html.escape(self.name)}">'
            f'<img src="data:image/png;base64,{data}" alt="{html.escape(self.alt)}">'
            f"{caption}</figure>"
        )

    def _repr_html_(self) -> str:  # JupyterLab and nbconvert show the embedded figure
        return self.to_html()

    def close(self) -> None:
        plt.close(self.figure)
