"""One figure style for every study: the log's look (viridis images, labelled axes)."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .atomic import atomic_path  # noqa: E402

IMAGE_CMAP = "viridis"  # the log's notebooks show frames with matplotlib's default colormap
STYLE = {
    "figure.dpi": 110,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "axes.titlesize": 11,
    "legend.frameon": False,
    "svg.hashsalt": "hundreddays",
}


def new_figure(nrows: int = 1, ncols: int = 1, size: tuple[float, float] = (6.4, 4.4), **kw):
    """Return (fig, axes) with the project style applied."""
    with plt.rc_context(STYLE):
        return plt.subplots(nrows, ncols, figsize=size, **kw)


def save_figure(fig, path: str | os.PathLike) -> None:
    """Save `fig` atomically as PNG without run-dependent metadata, then close it."""
    with plt.rc_context(STYLE), atomic_path(path, suffix=".png") as tmp:
        fig.tight_layout()
        fig.savefig(tmp, format="png", metadata={"Software": None})
    plt.close(fig)


def show_image(ax, image, title: str, cmap: str = IMAGE_CMAP, **kw) -> None:
    """Draw a 2-D array like the log's plt.imshow cells: pixel axes, a title."""
    ax.imshow(image, cmap=cmap, **kw)
    ax.set_title(title)
    ax.grid(False)


def not_run_figure(path: str | os.PathLike, study: str, reason: str, claims: list[str]) -> None:
    """The figure of a study that could not run here: why, and which claims stay open."""
    fig, ax = new_figure(size=(7.5, 2.2 + 0.3 * len(claims)))
    ax.axis("off")
    lines = [f"{study}: not run here", f"reason: {reason}", "",
             "claims left open:", *(f"  - {c}" for c in claims)]
    ax.text(0.0, 1.0, "\n".join(lines), va="top", ha="left", family="monospace", fontsize=9,
            wrap=True, transform=ax.transAxes)
    save_figure(fig, path)
