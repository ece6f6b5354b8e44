"""Miniature BIWI head pose (fastai's biwi_head_pose.tgz): synthetic heads whose centre follows
the pose files through the camera calibration.

Layout as fastai ships it: biwi_head_pose/<NN>/frame_<nnnnn>_rgb.jpg with
frame_<nnnnn>_pose.txt beside each frame, and <NN>/rgb.cal per sequence. rgb.cal as in BIWI:
the 3x3 intrinsic matrix, a line of 4 distortion coefficients, the 3x3 rotation and the
translation, blocks separated by blank lines. pose.txt: the head's 3x3 rotation, a blank line
and the head centre (x y z in mm, camera frame). Sequence 13 is there (the lesson's validation).

Each frame draws a person (torso, neck, a skin-coloured head ellipse with hair, eyes and a nose)
in front of a textured wall; the head's image position is the projection of the pose's centre
with the sequence's intrinsics, and its size shrinks with the distance z.
"""

from __future__ import annotations

import numpy as np

from .archive import tar_gz_bytes
from .raster import ellipse, jpeg_bytes, paint, rectangle, resized, smooth_noise

DATASET = "biwi_head_pose"
FILE = "biwi_head_pose.tgz"
TOP = "biwi_head_pose"
WIDTH, HEIGHT = 160, 120  # the real frames are 640x480; intrinsics are scaled by the same 1/4
FOCAL, CX, CY = 517.679 / 4, 320.0 / 4, 240.5 / 4
HEAD_RADIUS_MM = 90.0


def calibration_text(rng: np.random.Generator, zoom: int = 1) -> str:
    """Return an rgb.cal: intrinsics, distortion, rotation and translation blocks; `zoom` 4
    gives the real intrinsics of 640 x 480 frames."""
    f = FOCAL * (1 + rng.normal(0.0, 0.01)) * zoom
    rows = [[f, 0.0, CX * zoom], [0.0, f, CY * zoom], [0.0, 0.0, 1.0]]
    rotation = np.eye(3) + rng.normal(0.0, 0.002, (3, 3))
    translation = rng.normal(0.0, 5.0, 3)
    blocks = [rows, [[0.0, 0.0, 0.0, 0.0]], rotation.tolist(), [translation.tolist()]]
    return "\n".join("".join(" ".join(f"{v:g}" for v in row) + " \n" for row in block)
                     for block in blocks)


def yaw_rotation(yaw: float) -> np.ndarray:
    """Return the 3x3 rotation of a head turned by `yaw` radians about the vertical axis."""
    c, s = np.cos(yaw), np.sin(yaw)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def pose_text(rotation: np.ndarray, centre: np.ndarray) -> str:
    """Return a pose.txt: the rotation's three rows, a blank line, then the centre line."""
    rows = "".join(" ".join(f"{v:.6f}" for v in row) + " \n" for row in rotation)
    return rows + "\n" + " ".join(f"{v:.3f}" for v in centre) + " \n"


def project(centre: np.ndarray, focal: float, cx: float, cy: float) -> tuple[float, float]:
    """Return the image (x, y) of a camera-frame point (mm), pinhole model."""
    return centre[0] * focal / centre[2] + cx, centre[1] * focal / centre[2] + cy


def render(rng, centre, yaw, focal, wall) -> np.ndarray:
    """Return the RGB uint8 frame of a head at `centre` (mm), turned by `yaw`, before `wall`."""
    shape = (HEIGHT, WIDTH)
    image = wall + 0.04 * smooth_noise(rng, shape, 2.0)[..., None]
    hx, hy = project(centre, focal, CX, CY)
    r = HEAD_RADIUS_MM * focal / centre[2]
    shirt = rng.uniform(0.1, 0.4, 3)
    image = paint(image, rectangle(shape, hy + 1.2 * r, hx - 2.2 * r, HEIGHT, 4.4 * r)[..., None],
                  shirt)
    image = paint(image, rectangle(shape, hy + 0.6 * r, hx - 0.35 * r, 0.8 * r, 0.7 * r)[..., None],
                  (0.8, 0.6, 0.5))
    skin = np.array([0.85, 0.65, 0.52]) + rng.normal(0.0, 0.03, 3)
    image = paint(image, ellipse(shape, hy, hx, 1.15 * r, 0.9 * r)[..., None], skin)
    image = paint(image, ellipse(shape, hy - 0.75 * r, hx, 0.5 * r, 0.85 * r)[..., None],
                  (0.15, 0.1, 0.08))
    turn = np.sin(yaw) * 0.5 * r
    for dx in (-0.35 * r, 0.35 * r):
        image = paint(image, ellipse(shape, hy - 0.1 * r, hx + dx + turn, 0.1 * r + 0.3,
                                     0.15 * r + 0.3)[..., None], (0.1, 0.1, 0.1))
    image = paint(image, ellipse(shape, hy + 0.25 * r, hx + 1.3 * turn, 0.15 * r + 0.3,
                                 0.1 * r + 0.3)[..., None], (0.7, 0.45, 0.4))
    image = image + rng.normal(0.0, 0.02, image.shape)
    return np.clip(np.rint(image * 255), 0, 255).astype(np.uint8)


def sequence_members(rng: np.random.Generator, sequence: str, frames: int, zoom: int = 1
                     ) -> dict[str, bytes]:
    """Return {archive path: bytes} of one sequence: rgb.cal and `frames` frames with poses;
    `zoom`: frames drawn at the demo's size, then resized by it, the intrinsics scaled alike."""
    cal = calibration_text(rng, zoom)
    focal = float(cal.split()[0]) / zoom
    members = {f"{TOP}/{sequence}/rgb.cal": cal.encode()}
    wall = np.array([0.8, 0.8, 0.75]) + rng.normal(0.0, 0.05, 3)
    start = int(rng.integers(3, 20))
    for k in range(frames):
        z = rng.uniform(800.0, 1150.0)
        centre = np.array([rng.uniform(-0.35, 0.35) * z, rng.uniform(-0.3, 0.15) * z, z])
        yaw = rng.uniform(-0.6, 0.6)
        stem = f"{TOP}/{sequence}/frame_{start + k:05d}"
        image = render(rng, centre, yaw, focal, wall)
        if zoom != 1:
            image = resized(image, (HEIGHT * zoom, WIDTH * zoom))
        members[f"{stem}_rgb.jpg"] = jpeg_bytes(image, quality=90)
        members[f"{stem}_pose.txt"] = pose_text(yaw_rotation(yaw), centre).encode()
    return members


def build_files(seed: int, sequences: tuple[str, ...] = ("01", "02", "03", "13"),
                frames: int = 40, zoom: int = 1) -> dict[str, bytes]:
    """Return {"biwi_head_pose.tgz": bytes} of the miniature, deterministic in `seed`; `zoom` 4:
    BIWI's real 640 x 480 frames and intrinsics (the rehearsal mirror)."""
    members: dict[str, bytes] = {}
    for number, sequence in enumerate(sequences):
        members.update(sequence_members(np.random.default_rng([seed, 25, number]), sequence,
                                        frames, zoom))
    return {FILE: tar_gz_bytes(members)}
