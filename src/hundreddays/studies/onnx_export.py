"""Day 29: export a fastai image classifier to ONNX and make fastai's input transforms explicit.

The trained pets learner is rebuilt from model.json + model.pth (no pickle), exported with
torch.onnx.export (a softmax appended, so the graph returns class probabilities) and run in
onnxruntime on the validation images, prepared two ways:

- explicit: fastai's validation pipeline written out in numpy/PIL/torch - centre crop to the
  item size's aspect and PIL bilinear resize (fastai's Resize on validation), scale to [0, 1],
  bilinear resize with align_corners to the training size (aug_transforms' validation step),
  ImageNet mean/std normalisation, RGB channels, NCHW;
- raw: the same pixels, 0-255, without scaling or normalisation (the log's confusion).

Both are compared with fastai's own `get_preds` on the validation set. The study runs on the
CPU by design (its row in studies.yaml asks for no GPU): onnxruntime's CPU provider is what it
measures against fastai in float32.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

# fastai_support at the top: importing fastai draws from Python's random, so it must come
# before the runner seeds (hundreddays.runner imports the study, then seeds, then runs it).
from .. import rehearsal
from ..fastai_support import no_downloads
from ..fastai_vision import make_dataloaders, make_learner


def read_recipe(path: str | Path) -> dict:
    """Return model.json, checking the keys the rebuild needs (error names the file and key)."""
    import json

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model recipe not found: {path} (written by the pets rule)")
    recipe = json.loads(path.read_text(encoding="utf-8"))
    needed = ["arch", "n_out", "item_size", "size", "mean", "std", "vocab", "valid_files"]
    missing = [key for key in needed if key not in recipe]
    if missing:
        raise ValueError(f"{path}: missing key(s) {missing}")
    if len(recipe["vocab"]) != recipe["n_out"]:
        raise ValueError(f"{path}: vocab has {len(recipe['vocab'])} classes, n_out "
                         f"{recipe['n_out']}")
    return recipe


def rebuild_learner(files: list[Path], recipe: dict, weights: str | Path, workdir: str | Path,
                    bs: int):
    """Return the pets learner rebuilt on CPU in float32 (the precision ONNX runs in) from
    `recipe` and the state dict `weights`."""
    weights = Path(weights)
    if not weights.is_file():
        raise FileNotFoundError(f"trained weights not found: {weights} (written by the pets rule)")
    dls = make_dataloaders(files, recipe, torch.device("cpu"), bs)
    if list(dls.vocab) != list(recipe["vocab"]):
        raise ValueError("the rebuilt dataloaders' vocab differs from model.json's")
    learn = make_learner(dls, {**recipe, "pretrained": False}, None, workdir, mixed=False)
    state = torch.load(weights, map_location="cpu", weights_only=True)
    learn.model.load_state_dict(state)
    learn.model.eval()
    return learn


def centre_crop_resize(image: Image.Image, size: int) -> Image.Image:
    """fastai's Resize(size) on the validation set: crop the centre to a square (the largest
    that fits, fastai's integer rounding), then resize it to size x size with PIL bilinear."""
    w, h = image.size
    scale = min(w / size, h / size)
    cw, ch = int(scale * size), int(scale * size)
    left, top = int(0.5 * (w - cw)), int(0.5 * (h - ch))
    box = (left, top, left + cw, top + ch)
    return image.crop(box).resize((size, size), Image.BILINEAR)


def load_pixels(path: str | Path, recipe: dict) -> np.ndarray:
    """Return the image as (3, size, size) float32 pixels in 0-255, RGB: fastai's item resize,
    then the batch resize to the training size (bilinear, align_corners as fastai's grid)."""
    with Image.open(path) as image:
        item = centre_crop_resize(image.convert("RGB"), recipe["item_size"])
    x = torch.from_numpy(np.asarray(item, dtype=np.float32).copy()).permute(2, 0, 1)[None]
    if recipe["size"] != recipe["item_size"]:
        x = torch.nn.functional.interpolate(x, size=(recipe["size"], recipe["size"]),
                                            mode="bilinear", align_corners=True)
    return x[0].numpy()


def explicit_transform(pixels: np.ndarray, recipe: dict) -> np.ndarray:
    """Return NCHW float32 input from (N, 3, H, W) 0-255 pixels: /255, then ImageNet mean/std."""
    mean = np.asarray(recipe["mean"], dtype=np.float32)[None, :, None, None]
    std = np.asarray(recipe["std"], dtype=np.float32)[None, :, None, None]
    return ((pixels.astype(np.float32) / np.float32(255.0)) - mean) / std


# Node annotations that hold absolute source file paths: the dynamo exporter writes the Python
# stack trace of each node (torch's, fastai's, the study's files as imported), so the same model
# exported from two clones or two virtual environments gave files of different sizes.
PATH_ANNOTATIONS = ("pkg.torch.onnx.stack_trace",)


def _nodes(graph):
    """Every node of `graph`, those of its subgraphs (If, Loop, Scan) included."""
    import onnx

    for node in graph.node:
        yield node
        for attr in node.attribute:
            subgraphs = [attr.g] if attr.type == onnx.AttributeProto.GRAPH else list(attr.graphs)
            for sub in subgraphs:
                yield from _nodes(sub)


def strip_source_paths(proto) -> int:
    """Remove the annotations that name source files (PATH_ANNOTATIONS, and nodes' doc strings,
    where the TorchScript exporter puts source locations) from the model `proto`, in place, so
    that its bytes depend on the model alone. Returns how many were removed."""
    removed = 0
    graphs = [proto.graph, *proto.functions]
    for node in (n for g in graphs for n in _nodes(g)):
        if node.doc_string:
            node.doc_string = ""
            removed += 1
        kept = [p for p in node.metadata_props if p.key not in PATH_ANNOTATIONS]
        if len(kept) != len(node.metadata_props):
            removed += len(node.metadata_props) - len(kept)
            del node.metadata_props[:]
            node.metadata_props.extend(kept)
    return removed


def export(model: torch.nn.Module, size: int, path: str | Path, dynamo: bool, opset: int) -> dict:
    """Export `model` followed by a softmax to ONNX (batch axis dynamic), remove the annotations
    that name source files (strip_source_paths: the file is then the same from any clone or
    environment), check it with onnx.checker and return facts about the export."""
    import onnx

    from ..atomic import atomic_path
    from ..timing import timed

    wrapped = torch.nn.Sequential(model, torch.nn.Softmax(dim=1)).eval().float().cpu()
    example = (torch.zeros(2, 3, size, size),)
    options = ({"dynamic_shapes": ({0: torch.export.Dim("batch")},)} if dynamo else
               {"dynamic_axes": {"image": {0: "batch"}, "probs": {0: "batch"}}})

    def write():
        with atomic_path(path, suffix=".onnx") as tmp:
            torch.onnx.export(wrapped, example, str(tmp), dynamo=dynamo, opset_version=opset,
                              input_names=["image"], output_names=["probs"],
                              external_data=False, **options)
            proto = onnx.load(str(tmp))
            strip_source_paths(proto)
            onnx.checker.check_model(proto, full_check=True)
            onnx.save(proto, str(tmp))
        return proto

    proto, seconds = timed(write, repeats=1, warmup=None)
    return {"opset": int(max(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx"))),
            "onnx_nodes": len(proto.graph.node), "export_seconds": seconds,
            "onnx_bytes": Path(path).stat().st_size}


def run_onnx(path: str | Path, images: np.ndarray, transform=None, batch: int = 32) -> np.ndarray:
    """Return the ONNX model's probabilities for NCHW `images` (onnxruntime, CPU), each batch
    passed through `transform` first when given (so the whole set is never copied)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    out = []
    for i in range(0, len(images), batch):
        x = images[i:i + batch]
        x = transform(x) if transform is not None else x
        out.append(session.run(None, {name: np.ascontiguousarray(x, dtype=np.float32)})[0])
    return np.concatenate(out)


def compare(reference: np.ndarray, probs: np.ndarray) -> dict:
    """Return the largest |p - p_ref| over images and classes and the top-1 agreement."""
    return {"max_prob_diff": float(np.abs(probs - reference).max()),
            "top1_agreement": float(np.mean(probs.argmax(1) == reference.argmax(1)))}


def summarize(explicit: dict, raw: dict, fastai_accuracy: float, onnx_accuracy: float,
              facts: dict, valid_images: int, seconds_per_image: float) -> dict:
    """Return the flat metrics of the study."""
    metrics = {f"explicit_transforms_{k}": v for k, v in explicit.items()}
    metrics.update({f"raw_input_{k}": v for k, v in raw.items()})
    metrics.update({"fastai_accuracy": fastai_accuracy, "onnx_explicit_accuracy": onnx_accuracy,
                    "valid_images": valid_images, "onnx_opset": facts["opset"],
                    "onnx_nodes": facts["onnx_nodes"], "onnx_megabytes": facts["onnx_bytes"] / 1e6,
                    "export_seconds": facts["export_seconds"],
                    "onnxruntime_seconds_per_image": seconds_per_image})
    return metrics


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): rebuild the pets learner from its outputs (inputs
    model and recipe), predict the validation images with fastai, export to ONNX (output onnx),
    run it on the explicit and the raw input (the first timed after a warm-up) and compare."""
    from ..loaders.pets import list_images
    from ..timing import timed

    cfg, onnx_path = ctx.cfg, ctx.outputs["onnx"]
    recipe = read_recipe(ctx.inputs["recipe"])
    files = list_images(ctx.inputs["data"])
    with no_downloads():
        learn = rebuild_learner(files, recipe, ctx.inputs["model"], ctx.workdir, cfg["bs"])
        with learn.no_bar():
            fastai_probs, targets = learn.get_preds(dl=learn.dls.valid)
    fastai_probs, targets = fastai_probs.float().numpy(), targets.numpy()
    items = list(learn.dls.valid_ds.items)
    fastai_accuracy = float(np.mean(fastai_probs.argmax(1) == targets))
    ctx.log(f"fastai: {len(items)} validation images, accuracy {fastai_accuracy:.4f}")
    facts = export(learn.model, recipe["size"], onnx_path, cfg["dynamo"], cfg["opset"])
    ctx.log(f"exported ({'dynamo' if cfg['dynamo'] else 'legacy'} exporter): {facts}")

    def explicit_input(x):
        return explicit_transform(x, recipe)

    with rehearsal.phase("onnxruntime", kind="data", items=len(items)):  # grows with the images
        pixels = np.stack([load_pixels(p, recipe) for p in items])
        explicit, seconds = timed(lambda: run_onnx(onnx_path, pixels, explicit_input), repeats=1,
                                  warmup=lambda: run_onnx(onnx_path, pixels[:2], explicit_input))
        raw = run_onnx(onnx_path, pixels)
    metrics = summarize(compare(fastai_probs, explicit), compare(fastai_probs, raw),
                        fastai_accuracy, float(np.mean(explicit.argmax(1) == targets)), facts,
                        len(items), seconds / len(items))
    ctx.log(str(metrics))
    shown = np.random.default_rng(ctx.seed).choice(len(items), cfg["figure_images"],
                                                   replace=False)
    vocab = list(recipe["vocab"])
    return {"metrics": metrics, "vocab": vocab,
            "images": [np.rint(pixels[i].transpose(1, 2, 0)).astype(np.uint8) for i in shown],
            "truth": [vocab[targets[i]] for i in shown],
            "probs": {"fastai": fastai_probs[shown], "ONNX explicit": explicit[shown],
                      "ONNX raw": raw[shown]}}


def plot(result: dict, path, reference) -> None:
    """A few validation images (result's images, truth), each titled with the top class and
    probability by fastai, ONNX with explicit transforms and ONNX fed raw pixels (result's
    probs); a bar panel with the agreements. `reference` is unused: the claims are on the
    agreements, which the bars show."""
    from ..figures import new_figure, save_figure, show_image

    images, truth, rows = result["images"], result["truth"], result["probs"]
    vocab, metrics = result["vocab"], result["metrics"]
    n = len(images)
    fig, axes = new_figure(1, n + 1, size=(2.6 * (n + 1), 3.6),
                           gridspec_kw={"width_ratios": [1] * n + [1.6]})
    for ax, image, true, k in zip(axes[:n], images, truth, range(n), strict=True):
        lines = [f"true: {true}"]
        for name, probs in rows.items():
            top = int(probs[k].argmax())
            lines.append(f"{name}: {vocab[top]} {probs[k, top]:.2f}")
        show_image(ax, image, "\n".join(lines))
        ax.title.set_fontsize(7)
        ax.set_xticks([])
        ax.set_yticks([])
    bars = axes[n]
    names = ["explicit", "raw"]
    values = [metrics["explicit_transforms_top1_agreement"], metrics["raw_input_top1_agreement"]]
    bars.bar(names, values, color=["C2", "C3"])
    for i, (key, value) in enumerate(zip(names, values, strict=True)):
        diff = metrics[f"{'explicit_transforms' if key == 'explicit' else 'raw_input'}"
                       f"_max_prob_diff"]
        bars.text(i, value + 0.02, f"{value:.2f}\nmax |dp| {diff:.1e}", ha="center", fontsize=8)
    bars.set_ylim(0, 1.25)
    bars.set_ylabel("top-1 agreement with fastai")
    bars.set_title(f"ONNX vs fastai, {metrics['valid_images']} valid images")
    save_figure(fig, path)
