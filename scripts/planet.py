"""Rule planet: days 20-21, fast.ai lesson 3 multi-label tagging of Planet satellite chips."""

from hundreddays import fastai_support as fs
from hundreddays.atomic import write_text
from hundreddays.loaders.planet import load_labels, tag_vocabulary
from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.studies import planet as study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    cfg = sm.params.cfg
    device = fs.setup(sm.params.seed, sm.threads)
    table = load_labels(sm.input.data)
    vocab = tag_vocabulary(table)
    print(f"planet: {len(table)} chips, {len(vocab)} tags, {cfg['arch']} "
          f"(pretrained {cfg['pretrained']}) on {device}", flush=True)
    weights = fs.weights_in(sm.input.weights) if cfg["pretrained"] else None
    with fs.no_downloads():
        result = study.train(table, vocab, cfg, sm.params.seed, weights, device,
                             log_every=cfg.get("log_every", 50))
    metrics, per_tag = study.summarize(result, vocab, cfg["sizes"])
    print(f"planet: valid F2 {metrics['valid_f2']:.4f}, accuracy_thresh "
          f"{metrics['valid_accuracy_thresh']:.4f}, {metrics['seconds_per_epoch']:.1f} s/epoch")
    write_text(sm.output.table, per_tag.to_csv(index=False, float_format="%.6g"))
    study.plot(result, vocab, per_tag, metrics, sm.output.figure, sm.params.f2_threshold)
    write_metrics(sm.output.metrics, metrics)
