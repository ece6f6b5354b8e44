"""UCSD background-subtraction videos: folders of JPEG frames, wherever they sit in the archive,
and the (pixels x frames) matrix of a video that the SVD studies factorise (video_matrix).

The publisher documents no layout, so nothing here assumes one: every folder that directly
holds at least `MIN_FRAMES` JPEG files is a video, named after the folder.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from .layout import Packaging, layout_error

FRAME_SUFFIXES = {".jpg", ".jpeg"}
MIN_FRAMES = 3
LAYOUT = (f"the extracted JPEGS.tar.gz: one folder a video (at any depth, named as the config's "
          f"videos, e.g. peds/, landing/), each directly holding at least {MIN_FRAMES} "
          f".jpg/.jpeg frames")
OTHER_PACKAGINGS = (
    Packaging(("JPEGS.tar.gz",), "the archive itself, not extracted: extract it and name the "
              "folder it makes"),
    Packaging(("UCSDped*",), "the UCSD Anomaly Detection Dataset (UCSDped1/, UCSDped2/ with .tif "
              "frames), another UCSD set, not the background-subtraction videos"),
    Packaging(("*.avi",), "video files, not folders of JPEG frames (the log used "
              "JPEGS.tar.gz's frames in place of the notebook's Video_003.avi)"),
)


def natural_key(path: Path) -> list:
    """Return a sort key that orders embedded numbers by value (frame_2 before frame_10)."""
    return [int(part) if part.isdigit() else part.lower()
            for part in re.split(r"(\d+)", path.name)]


def is_frame(name: str) -> bool:
    """Return True for a JPEG file name; hidden files (".", AppleDouble "._x.jpg") are not."""
    return not name.startswith(".") and Path(name).suffix.lower() in FRAME_SUFFIXES


def find_videos(root: str | Path) -> dict[str, list[Path]]:
    """Return {video name: frame paths in natural order} for every folder under `root` (itself
    included) that directly holds at least MIN_FRAMES JPEG frames (.jpg/.jpeg, any case).

    The name is the folder's name, lower-cased. When two folders give the same name, the one with
    more frames is kept and a warning names both.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"UCSD video folder {root} does not exist")
    videos: dict[str, list[Path]] = {}
    for folder, subfolders, files in os.walk(root):
        subfolders.sort()
        frames = sorted((Path(folder) / f for f in files if is_frame(f)), key=natural_key)
        if len(frames) < MIN_FRAMES:
            continue
        name = Path(folder).name.lower()
        if name in videos:
            keep, drop = sorted([videos[name], frames], key=len, reverse=True)
            warnings.warn(f"two UCSD videos named {name!r}: keeping {keep[0].parent} "
                          f"({len(keep)} frames), ignoring {drop[0].parent} ({len(drop)} frames)",
                          stacklevel=2)
            frames = keep
        videos[name] = frames
    return dict(sorted(videos.items()))


def check_layout(root: str | Path) -> None:
    """Raise FileNotFoundError unless find_videos finds at least one video under `root` (which
    videos a study reads is its config's: load_ucsd_videos names a missing one)."""
    if not find_videos(root):
        raise layout_error(root, f"no UCSD video under {root} (a folder directly holding at least "
                                 f"{MIN_FRAMES} .jpg/.jpeg frames)", LAYOUT, OTHER_PACKAGINGS)


def read_frame(path: Path) -> np.ndarray:
    """Return one frame as float32 (H, W) grayscale in [0, 1]; ValueError if undecodable."""
    try:
        with Image.open(path) as image:
            gray = image.convert("L")
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"UCSD frame {path} is not a decodable image ({exc})") from exc
    return np.asarray(gray, dtype=np.float32) / 255.0


def load_video(frames: list[Path], max_frames: int | None = None) -> np.ndarray:
    """Return the first `max_frames` (all if None) frames as float32 (T, H, W) in [0, 1].

    Raises ValueError naming the frame whose size differs from the first frame's.
    """
    frames = list(frames)[:max_frames]
    if not frames:
        raise ValueError("load_video: no frames given")
    video = []
    for path in frames:
        frame = read_frame(Path(path))
        if video and frame.shape != video[0].shape:
            raise ValueError(f"UCSD frame {path} is {frame.shape[1]}x{frame.shape[0]} pixels, "
                             f"the video's first frame {frames[0]} is "
                             f"{video[0].shape[1]}x{video[0].shape[0]}")
        video.append(frame)
    return np.stack(video)


def load_ucsd_videos(root: str | Path, names: list[str],
                     max_frames: int | None = None) -> dict[str, np.ndarray]:
    """Return {name: float32 video (T, H, W)} for each of `names`, found under `root`.

    Raises FileNotFoundError naming the missing videos and listing those that were found.
    """
    videos = find_videos(root)
    missing = [name for name in names if name.lower() not in videos]
    if missing:
        raise FileNotFoundError(f"UCSD videos {missing} not found under {root}; found "
                                f"{sorted(videos) or 'none'} (a video is a folder holding at "
                                f"least {MIN_FRAMES} .jpg/.jpeg frames)")
    return {name: load_video(videos[name.lower()], max_frames) for name in names}


def video_matrix(video: np.ndarray) -> np.ndarray:
    """Return the float64 (pixels x frames) matrix of a (frames, height, width) video: one column
    per frame, as the SVD studies factorise it."""
    if video.ndim != 3:
        raise ValueError(f"video_matrix: expected a (frames, height, width) video, got shape "
                         f"{video.shape}")
    t, h, w = video.shape
    return video.reshape(t, h * w).T.astype(np.float64)
