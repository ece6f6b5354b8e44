"""Rule onnx_export: the pets classifier in ONNX, with fastai's transforms explicit or not."""

import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np

from hundreddays.fastai_support import no_downloads, setup
from hundreddays.loaders.pets import list_images
from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.studies import onnx_export as study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    cfg = sm.params.cfg
    setup(sm.params.seed, sm.threads)
    recipe = study.read_recipe(sm.input.recipe)
    files = list_images(sm.input.data)
    with tempfile.TemporaryDirectory(prefix="onnx-") as workdir, no_downloads():
        learn = study.rebuild_learner(files, recipe, sm.input.model, workdir, cfg["bs"])
        with learn.no_bar():
            fastai_probs, targets = learn.get_preds(dl=learn.dls.valid)
    fastai_probs, targets = fastai_probs.float().numpy(), targets.numpy()
    items = list(learn.dls.valid_ds.items)
    print(f"fastai: {len(items)} validation images, accuracy "
          f"{np.mean(fastai_probs.argmax(1) == targets):.4f}")
    facts = study.export(learn.model, recipe["size"], sm.output.onnx, cfg["dynamo"],
                         cfg["opset"])
    print(f"exported ({'dynamo' if cfg['dynamo'] else 'legacy'} exporter): {facts}")
    pixels = np.stack([study.load_pixels(p, recipe) for p in items])
    explicit_input = partial(study.explicit_transform, recipe=recipe)
    study.run_onnx(sm.output.onnx, pixels[:2], explicit_input)  # warm-up
    start = time.perf_counter()
    explicit = study.run_onnx(sm.output.onnx, pixels, explicit_input)
    seconds_per_image = (time.perf_counter() - start) / len(items)
    raw = study.run_onnx(sm.output.onnx, pixels)
    metrics = study.summarize(study.compare(fastai_probs, explicit),
                              study.compare(fastai_probs, raw),
                              float(np.mean(fastai_probs.argmax(1) == targets)),
                              float(np.mean(explicit.argmax(1) == targets)), facts, len(items),
                              seconds_per_image)
    print(metrics)
    shown = np.random.default_rng(sm.params.seed).choice(len(items), cfg["figure_images"],
                                                         replace=False)
    vocab = list(recipe["vocab"])
    study.plot([np.rint(pixels[i].transpose(1, 2, 0)).astype(np.uint8) for i in shown],
               [vocab[targets[i]] for i in shown],
               {"fastai": fastai_probs[shown], "ONNX explicit": explicit[shown],
                "ONNX raw": raw[shown]}, vocab, metrics, sm.output.figure)
    write_metrics(sm.output.metrics, metrics)
    print(f"wrote {Path(sm.output.onnx)}")
