"""Rule mnist_mlp: day 36's one-hidden-layer network on MNIST read from the original idx files."""

from pathlib import Path

from hundreddays.checkpoint import remove as remove_checkpoint
from hundreddays.loaders.mnist import load_mnist
from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.seeds import seed_everything
from hundreddays.studies import mnist_mlp as study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    cfg = sm.params.cfg
    seed_everything(sm.params.seed, threads=sm.threads)
    data = load_mnist(Path(sm.input.data))
    result = study.run(data, cfg["epochs"], cfg["batch_size"], cfg["lr"], sm.params.seed,
                       cfg["train_limit"], cfg["test_limit"], hidden=cfg["hidden"],
                       checkpoint=sm.params.checkpoint)
    study.plot(result, sm.output.figure, sm.params.log_accuracy)
    write_metrics(sm.output.metrics, result["metrics"])
    remove_checkpoint(sm.params.checkpoint)
