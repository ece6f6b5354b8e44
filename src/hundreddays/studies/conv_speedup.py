"""Day 2: the Halide talk's 3x3 box blur (blur_x then blur_y), from pure Python loops through
numpy, scipy and torch to two compiled loop nests: the talk's clean one and its hand schedule
(tiled, vectorised, multi-threaded), which the talk found 11x faster.

Every version computes the same "valid" blur: an (h, w) image gives (h - 2, w - 2) pixels,
out[i, j] = mean of image[i:i + 3, j:j + 3]; no border handling is needed anywhere."""

from __future__ import annotations

from collections.abc import Callable

import numba
import numpy as np
import torch  # imported here, so that the runner sets its threads (and seeds it)

from ..linalg.blur_kernels import (
    blur_naive,
    blur_python,
    blur_scheduled,
)
from ..timing import seconds_per_call, timed

NAIVE = "numba_naive"
SCHEDULED = "numba_scheduled"
SCHEDULED_1 = "numba_scheduled_1thread"
LAYERS = ("default", "workqueue", "omp", "tbb", "safe", "threadsafe", "forksafe")
PYTHON = "python_loops"
TABLE_COLUMNS = ("method", "seconds", "megapixels_per_second", "speedup_vs_naive")


def reference_blur(image: np.ndarray) -> np.ndarray:
    """Return the valid 3x3 mean of `image` in float64 by summing the nine shifted slices."""
    a = np.asarray(image, dtype=np.float64)
    h, w = a.shape
    return sum(a[dy:h - 2 + dy, dx:w - 2 + dx] for dy in range(3) for dx in range(3)) / 9.0


def blur_numpy(image: np.ndarray) -> np.ndarray:
    """Two passes of whole-array slices (blur_x, then blur_y), in the image's dtype."""
    tmp = (image[:, :-2] + image[:, 1:-1] + image[:, 2:]) / 3
    return (tmp[:-2] + tmp[1:-1] + tmp[2:]) / 3


def blur_uniform_filter1d(image: np.ndarray) -> np.ndarray:
    """Separable: scipy.ndimage.uniform_filter1d along x, then along y; keep the interior."""
    from scipy.ndimage import uniform_filter1d

    return uniform_filter1d(uniform_filter1d(image, 3, axis=1), 3, axis=0)[1:-1, 1:-1]


def blur_ndimage_convolve(image: np.ndarray) -> np.ndarray:
    """Direct 3x3 convolution with scipy.ndimage.convolve; keep the interior."""
    from scipy.ndimage import convolve

    return convolve(image, np.full((3, 3), 1 / 9, dtype=image.dtype))[1:-1, 1:-1]


def blur_fft(image: np.ndarray) -> np.ndarray:
    """3x3 convolution through the FFT (scipy.signal.fftconvolve, mode "valid")."""
    from scipy.signal import fftconvolve

    return fftconvolve(image, np.full((3, 3), 1 / 9, dtype=image.dtype), mode="valid")


def blur_torch(image: np.ndarray) -> np.ndarray:
    """3x3 convolution with torch.nn.functional.conv2d (no padding = "valid"), on the CPU."""
    x = torch.from_numpy(np.ascontiguousarray(image))[None, None]
    weight = torch.full((1, 1, 3, 3), 1 / 9, dtype=x.dtype)
    with torch.no_grad():
        return torch.nn.functional.conv2d(x, weight)[0, 0].numpy()


# key -> (label, function); the order of the table and the figure, slowest idea first
METHODS: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray]]] = {
    PYTHON: ("pure Python loops", blur_python),
    "numpy_slices": ("numpy slices, two passes", blur_numpy),
    "scipy_convolve": ("scipy.ndimage.convolve 3x3", blur_ndimage_convolve),
    "scipy_fftconvolve": ("scipy.signal.fftconvolve (FFT)", blur_fft),
    "scipy_uniform_filter1d": ("scipy uniform_filter1d, separable", blur_uniform_filter1d),
    "torch_conv2d": ("torch conv2d", blur_torch),
    NAIVE: ("numba: clean loop nest (naive)", blur_naive),
    SCHEDULED_1: ("numba: tiled + vectorised, 1 thread", blur_scheduled),
    SCHEDULED: ("numba: tiled + vectorised + parallel", blur_scheduled),
}


def random_image(height: int, width: int, seed: int) -> np.ndarray:
    """Return a float32 image of uniform random values in [0, 1)."""
    if height < 3 or width < 3:
        raise ValueError(f"conv_speedup: image must be at least 3x3, got {height}x{width}")
    return np.random.default_rng(seed).random((height, width), dtype=np.float32)


def compile_seconds(fn: Callable[..., np.ndarray], *args) -> float:
    """Return the seconds of the first call of a numba kernel on a tiny float32 image (the JIT
    compilation for that type; ~0 if this process compiled it already)."""
    tiny = np.zeros((8, 8), dtype=np.float32)
    return timed(lambda: fn(tiny, *args), 1, warmup=None)[1]


def set_threads(threads: int, layer: str = "workqueue") -> dict[str, int]:
    """Give numba's parallel loops `threads` threads (at most its pool size) on threading layer
    `layer` (it only takes effect before numba's first parallel call); return the thread counts
    of numba and of torch (whose threads the runner sets)."""
    if threads < 1:
        raise ValueError(f"conv_speedup: threads must be >= 1, got {threads}")
    if layer not in LAYERS:
        raise ValueError(f"conv_speedup: threading_layer must be one of {LAYERS}, got {layer!r}")
    numba.config.THREADING_LAYER = layer
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    return {"numba_threads": numba.get_num_threads(), "torch_threads": torch.get_num_threads()}


def method_calls(tile_rows: int, tile_cols: int) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """Return key -> image -> blurred image for every method of METHODS, tiles filled in."""
    def scheduled_one_thread(image):
        threads = numba.get_num_threads()
        numba.set_num_threads(1)
        try:
            return blur_scheduled(image, tile_rows, tile_cols)
        finally:
            numba.set_num_threads(threads)

    calls = {key: fn for key, (_, fn) in METHODS.items()}
    calls[SCHEDULED] = lambda image: blur_scheduled(image, tile_rows, tile_cols)
    calls[SCHEDULED_1] = scheduled_one_thread
    return calls


def measure(height: int, width: int, tile_rows: int, tile_cols: int, python_crop: int,
            repeats: int, tolerance: float, seed: int, threads: int = 1,
            threading_layer: str = "workqueue") -> dict:
    """Blur one random image by every method, check every result against the float64 reference,
    and time them. The pure-Python loops run on a python_crop x python_crop corner and their time
    is scaled to the whole image by pixel count.

    Returns {"rows": [{key, method, seconds, megapixels_per_second, speedup_vs_naive}],
    "table": the rows without their key, "metrics": {...}, "shape": (height, width),
    "threading_layer": numba's}; raises ValueError if any method's image differs
    from the reference by more than `tolerance`.
    """
    if min(tile_rows, tile_cols, python_crop, repeats) < 1:
        raise ValueError("conv_speedup: tile_rows, tile_cols, python_crop and timing_repeats "
                         "must be >= 1")
    used = set_threads(threads, threading_layer)
    compiled = {
        NAIVE: compile_seconds(blur_naive),
        SCHEDULED: compile_seconds(blur_scheduled, tile_rows, tile_cols),
    }
    image = random_image(height, width, seed)
    crop = image[:min(python_crop, height), :min(python_crop, width)]
    calls = method_calls(tile_rows, tile_cols)

    deviation = {}
    for key, fn in calls.items():
        source = crop if key == PYTHON else image
        deviation[key] = float(np.max(np.abs(fn(source) - reference_blur(source))))
        if not deviation[key] <= tolerance:
            raise ValueError(f"conv_speedup: {key} differs from the reference blur by "
                             f"{deviation[key]:.3g} > tolerance {tolerance:g}")

    seconds = seconds_per_call(
        {key: (lambda fn=fn: fn(image)) for key, fn in calls.items() if key != PYTHON}, repeats)
    python_seconds = seconds_per_call({PYTHON: lambda: blur_python(crop)}, min(repeats, 3))
    seconds[PYTHON] = python_seconds[PYTHON] * image.size / crop.size

    megapixels = image.size / 1e6
    crop_note = f" ({crop.shape[0]}x{crop.shape[1]} crop, scaled)"
    rows = [{
        "key": key,
        "method": label + (crop_note if key == PYTHON else ""),
        "seconds": seconds[key],
        "megapixels_per_second": megapixels / seconds[key],
        "speedup_vs_naive": seconds[NAIVE] / seconds[key],
    } for key, (label, _) in METHODS.items()]

    metrics = {
        "scheduled_to_naive_speedup": seconds[NAIVE] / seconds[SCHEDULED],
        "scheduled_1thread_to_naive_speedup": seconds[NAIVE] / seconds[SCHEDULED_1],
        "naive_ms_per_megapixel": 1e3 * seconds[NAIVE] / megapixels,
        "scheduled_ms_per_megapixel": 1e3 * seconds[SCHEDULED] / megapixels,
        "python_to_scheduled_speedup": seconds[PYTHON] / seconds[SCHEDULED],
        "max_abs_diff_vs_reference": max(deviation.values()),
        "naive_equals_scheduled": bool(np.array_equal(calls[NAIVE](image),
                                                      calls[SCHEDULED](image))),
        "image_megapixels": megapixels,
        "tile_rows": tile_rows,
        "tile_cols": tile_cols,
        **used,
    }
    metrics.update({f"{key}_compile_seconds": value for key, value in compiled.items()})
    metrics.update({f"{key}_seconds": seconds[key] for key in METHODS})
    return {"rows": rows, "table": [{c: row[c] for c in TABLE_COLUMNS} for row in rows],
            "metrics": metrics, "shape": image.shape, "threading_layer": numba.threading_layer()}


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): measure() with the config block's image, tiles
    and repeats, ctx.seed's image and ctx.threads threads."""
    cfg = ctx.cfg
    ctx.log(f"blurring a {cfg['height']}x{cfg['width']} image with {ctx.threads} threads")
    result = measure(cfg["height"], cfg["width"], cfg["tile_rows"], cfg["tile_cols"],
                     cfg["python_crop"], cfg["timing_repeats"], cfg["tolerance"], ctx.seed,
                     ctx.threads, cfg["threading_layer"])
    ctx.log(f"numba threading layer: {result['threading_layer']}")
    for row in result["rows"]:
        ctx.log(f"{row['method']}: {row['seconds']:.4g} s, {row['speedup_vs_naive']:.3g}x naive")
    ctx.log(str(result["metrics"]))
    return result


def plot(result: dict, path, reference) -> None:
    """Draw each method's speedup over the naive compiled loop nest (log x) as bars labelled with
    its runtime, with the log's 11x of the Halide talk (reference["scheduled_to_naive_speedup"])
    as a reference line."""
    from ..figures import new_figure, save_figure

    log_speedup = reference["scheduled_to_naive_speedup"]
    rows = result["rows"]
    m = result["metrics"]
    fig, ax = new_figure(size=(9.5, 0.5 * len(rows) + 2.0))
    y = np.arange(len(rows))[::-1]
    speedups = [r["speedup_vs_naive"] for r in rows]
    colors = ["tab:red" if r["key"] in (SCHEDULED, SCHEDULED_1) else "tab:grey"
              if r["key"] == NAIVE else "tab:blue" for r in rows]
    ax.barh(y, speedups, color=colors, height=0.6)
    ax.set_xscale("log")
    for yi, r in zip(y, rows, strict=True):
        ax.text(r["speedup_vs_naive"] * 1.08, yi,
                f"{r['speedup_vs_naive']:.3g}x   {1e3 * r['seconds'] / m['image_megapixels']:.3g}"
                " ms/megapixel", va="center", fontsize=8, zorder=4,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1})
    ax.axvline(log_speedup, color="black", ls="--", lw=1, zorder=1,
               label=f"log (Halide talk): scheduled {log_speedup:g}x faster than naive")
    ax.axvline(1.0, color="grey", lw=0.8, zorder=1)
    ax.set_yticks(y, [r["method"] for r in rows], fontsize=8)
    lo, hi = min(speedups), max(max(speedups), log_speedup)
    ax.set_xlim(lo / 2, hi * 12)
    h, w = result["shape"]
    ax.set(xlabel="speedup over the naive compiled loop nest (runtime ratio, log scale)",
           title=f"3x3 box blur of a {h}x{w} float32 image: every method against the naive "
                 "loop nest\n"
                 f"measured speedup of the schedule: {m['scheduled_to_naive_speedup']:.3g}x "
                 f"({m['numba_threads']} numba threads, {result['threading_layer']})")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper right", fontsize=8)
    save_figure(fig, path)
