"""BIWI head pose as fastai ships it (biwi_head_pose.tgz extracted): <NN>/frame_<n>_rgb.jpg,
frame_<n>_pose.txt beside each frame, <NN>/rgb.cal per sequence.

The head centre in the image, as lesson 3 (head pose) computes it: the pose file's last line is
the 3D centre in mm (np.genfromtxt(skip_header=3)), projected with the intrinsics of rgb.cal
(np.genfromtxt(skip_footer=6)): x = X fx / Z + cx, y = Y fy / Z + cy. The lesson used sequence
01's calibration for every frame; here each sequence uses its own rgb.cal (they barely differ)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .layout import Packaging, layout_error

TOP = "biwi_head_pose"
SUFFIX = "_rgb.jpg"
LAYOUT = ("fastai's extracted biwi_head_pose.tgz: biwi_head_pose/ (or the folder itself) with one "
          "folder a sequence, <NN>/frame_<n>_rgb.jpg with frame_<n>_pose.txt beside each, and "
          "<NN>/rgb.cal")
OTHER_PACKAGINGS = (
    Packaging(("centers.pkl",), "fastai's biwi_sample.tgz (images/ and centers.pkl, no pose "
              "files or calibrations), which the loader cannot read; the study reads "
              "biwi_head_pose.tgz"),
    Packaging(("*/frame_*_rgb.png",), "the original BIWI Kinect head pose database (PNG frames "
              "with depth .bin files), not fastai's biwi_head_pose.tgz (JPEG frames)"),
    Packaging(("biwi_head_pose.tgz",), "the archive itself, not extracted: extract it and name "
              "the folder that holds biwi_head_pose/"),
)


def read_calibration(path: Path) -> tuple[float, float, float, float]:
    """Return (fx, fy, cx, cy) of an rgb.cal, read as the lesson does (skip_footer=6)."""
    if not path.is_file():
        raise FileNotFoundError(f"BIWI calibration missing: {path}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cal = np.atleast_2d(np.genfromtxt(path, skip_footer=6))
    except ValueError as exc:
        raise ValueError(f"{path}: not a BIWI rgb.cal ({exc})") from exc
    if cal.shape[0] < 2 or cal.shape[1] != 3 or not np.isfinite(cal[:2]).all():
        raise ValueError(f"{path}: expected the 3x3 intrinsic matrix first, got {cal.shape}")
    return float(cal[0, 0]), float(cal[1, 1]), float(cal[0, 2]), float(cal[1, 2])


def pose_path(image: Path) -> Path:
    """Return frame_<n>_pose.txt for frame_<n>_rgb.jpg."""
    return image.with_name(image.name[: -len(SUFFIX)] + "_pose.txt")


def read_centre(path: Path) -> np.ndarray:
    """Return the head centre (x, y, z mm) of a pose.txt, read as the lesson does."""
    if not path.is_file():
        raise FileNotFoundError(f"BIWI pose file missing: {path}")
    try:
        centre = np.genfromtxt(path, skip_header=3)
    except ValueError as exc:
        raise ValueError(f"{path}: not a BIWI pose file ({exc})") from exc
    if centre.shape != (3,) or not np.isfinite(centre).all() or centre[2] <= 0:
        raise ValueError(f"{path}: expected a centre line 'x y z' with z > 0, got {centre}")
    return centre


def project(centre: np.ndarray, calibration: tuple[float, float, float, float]) -> np.ndarray:
    """Return the image point (x, y) in pixels of a 3D centre (lesson's convert_biwi, x first)."""
    fx, fy, cx, cy = calibration
    return np.array([centre[0] * fx / centre[2] + cx, centre[1] * fy / centre[2] + cy])


@dataclass
class Biwi:
    """Frames (sorted) and each sequence's calibration; `centre(frame)` is the image target."""

    root: Path
    images: list[Path]
    calibrations: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)

    def centre(self, image: Path) -> np.ndarray:
        """Return the head centre of `image` in its pixels (x, y)."""
        image = Path(image)
        return project(read_centre(pose_path(image)), self.calibrations[image.parent.name])


def _root(folder: Path) -> Path:
    """biwi_head_pose/ inside `folder` when there is one (data/biwi_head_pose), else `folder`."""
    return folder / TOP if (folder / TOP).is_dir() else folder


def check_layout(folder: str | Path) -> list[Path]:
    """Return the frames <NN>/frame_<n>_rgb.jpg under `folder` (sorted), or raise
    FileNotFoundError naming what is missing: any frame, a sequence's rgb.cal, a frame's pose
    file (and, where it can tell, the other packaging `folder` is)."""
    folder = Path(folder)
    root = _root(folder)
    images = sorted(root.glob(f"*/*{SUFFIX}"))
    missing = "" if images else f"no <NN>/frame_<n>{SUFFIX} frames in {root}"
    sequences = sorted({p.parent.name for p in images})
    no_cal = [s for s in sequences if not (root / s / "rgb.cal").is_file()]
    if not missing and no_cal:
        missing = f"BIWI calibration <NN>/rgb.cal missing in {root} for sequence(s) {no_cal}"
    no_pose = [] if missing else [p for p in images if not pose_path(p).is_file()]
    if no_pose:
        missing = (f"BIWI pose file missing for {len(no_pose)} frame(s), e.g. "
                   f"{pose_path(no_pose[0])}")
    if missing:
        raise layout_error(folder, missing, LAYOUT, OTHER_PACKAGINGS)
    return images


def load_biwi(folder: str | Path, valid_sequence: str) -> Biwi:
    """Read data/biwi_head_pose (holding biwi_head_pose/) or that folder itself; check that
    every sequence has its rgb.cal, every frame its pose file, and `valid_sequence` exists."""
    images = check_layout(folder)
    root = _root(Path(folder))
    sequences = sorted({p.parent.name for p in images})
    if valid_sequence not in sequences:
        raise ValueError(f"{root}: validation sequence {valid_sequence!r} missing "
                         f"(sequences: {sequences})")
    return Biwi(root, images, {s: read_calibration(root / s / "rgb.cal") for s in sequences})
