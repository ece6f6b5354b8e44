"""Rule pets: fastai lesson 1, 37 cat and dog breeds, LR finder and error rate per epoch."""

import tempfile

from hundreddays.fastai_support import weights_in
from hundreddays.loaders.pets import list_images
from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.studies import pets as study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    cfg = sm.params.cfg
    weights = weights_in(sm.input.weights) if cfg["pretrained"] else None
    files = list_images(sm.input.data)
    print(f"{len(files)} images in {sm.input.data}; {cfg['arch']} pretrained={cfg['pretrained']}")
    with tempfile.TemporaryDirectory(prefix="pets-") as workdir:  # the LR finder's checkpoint
        result = study.train(files, cfg, sm.params.seed, sm.threads, weights, workdir)
    metrics = result["metrics"]
    print(f"error rate {metrics['error_rate']:.4f}, cats {metrics['cat_breed_accuracy']:.3f}, "
          f"dogs {metrics['dog_breed_accuracy']:.3f}")
    study.save_model(result["learn"], result["recipe"], sm.output.model, sm.output.recipe)
    study.plot(result["sweep"], result["history"], result["phases"], cfg["lr_plot_skip_end"],
               sm.params.log_error_rate, metrics, sm.output.figure)
    write_metrics(sm.output.metrics, metrics)
