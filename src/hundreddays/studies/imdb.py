"""Day 24 (fast.ai lesson 3, IMDB): ULMFiT sentiment classification, the lesson's run and the
log's.

The lesson's recipe, in fastai 2's API: an AWD-LSTM language model (from the WikiText-103 weights
when `pretrained`) is fine-tuned on all IMDB texts (train, test and unsup, 10 % held out at
random): one frozen one-cycle epoch, then unfrozen epochs. Its encoder is saved as a state dict
and loaded into a text classifier (same vocabulary), trained in stages: the head alone, then
gradual unfreezing freeze_to(-2), freeze_to(-3), unfreeze with discriminative learning rates
slice(lr / 2.6**4, lr) (the lesson's 94.4 %).

The log's run (84.2 %) unfroze neither model: "neither unfreezing the layers when training the
encoder nor classifier". It is the same pipeline stopped early twice: the language model's encoder
as it is after the frozen head epoch (saved then), and a classifier on it trained for the first
(frozen) stage only. The log's two example sentences are classified by that model, as in the
log's figure. Accuracy is measured on the 25k test reviews, the lesson's validation set.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .. import fastai_support as fs
from .. import rehearsal
from ..loaders.imdb import load_imdb, wt103_files

LABELS = ("neg", "pos")


def _fastai():
    """Import fastai's text API lazily (the import takes seconds)."""
    import fastai.text.all as text

    return text


def lm_dataloaders(df: pd.DataFrame, cfg: dict, seed: int, device, n_workers: int = 0):
    """Language-model DataLoaders over every text of `df`, valid_pct held out at random."""
    text = _fastai()
    lm = cfg["lm"]
    block = text.TextBlock.from_df("text", is_lm=True, seq_len=lm["seq_len"],
                                   min_freq=cfg["min_freq"], max_vocab=cfg["max_vocab"],
                                   n_workers=n_workers)
    dblock = text.DataBlock(blocks=block, get_x=text.ColReader("text"),
                            splitter=text.RandomSplitter(lm["valid_pct"], seed=seed))
    return dblock.dataloaders(df[["text"]].reset_index(drop=True), bs=lm["batch_size"],
                              seq_len=lm["seq_len"], **_loader_kwargs(device))


def classifier_dataloaders(df: pd.DataFrame, vocab: list[str], cfg: dict, device,
                           n_workers: int = 0):
    """Classifier DataLoaders: train split for training, test split for validation (the
    lesson's split), with the language model's vocabulary."""
    text = _fastai()
    labelled = df[df["split"].isin(["train", "test"])].reset_index(drop=True)
    labelled = labelled.assign(is_valid=labelled["split"] == "test")
    block = text.TextBlock.from_df("text", vocab=vocab, seq_len=cfg["classifier"]["seq_len"],
                                   n_workers=n_workers)
    dblock = text.DataBlock(blocks=(block, text.CategoryBlock(vocab=list(LABELS))),
                            get_x=text.ColReader("text"), get_y=text.ColReader("label"),
                            splitter=text.ColSplitter("is_valid"))
    return dblock.dataloaders(labelled, bs=cfg["classifier"]["batch_size"],
                              **_loader_kwargs(device))


def _loader_kwargs(device) -> dict:
    return fs.dataloader_kwargs(device)


def awd_config(cfg: dict, classifier: bool) -> dict:
    """fastai's AWD-LSTM config (LM or classifier dropouts) with the sizes of cfg["arch"]; a
    fresh dict each call, since fastai scales its dropouts in place by drop_mult."""
    text = _fastai()
    base = text.awd_lstm_clas_config if classifier else text.awd_lstm_lm_config
    return {**base, **{k: int(cfg["arch"][k]) for k in ("emb_sz", "n_hid", "n_layers")}}


def load_wt103(learn, weights: str | Path, vocab_file: str | Path) -> None:
    """What fastai's LMLearner.load_pretrained does, without unpickling: read the WT103 state
    dict (weights_only) and vocabulary (opcode reader), map the embeddings onto this data's
    vocabulary (rows of unknown words get the mean), load and freeze."""
    from fastai.text.learner import clean_raw_keys, load_ignore_keys, match_embeds

    from ..loaders.imdb import read_vocab, read_wt103_weights

    old_vocab = read_vocab(vocab_file)
    weights = match_embeds(read_wt103_weights(weights), old_vocab, list(learn.dls.vocab))
    load_ignore_keys(learn.model, clean_raw_keys(weights))
    learn.freeze()


def _moms(cfg: dict) -> tuple[float, float, float]:
    return tuple(float(m) for m in cfg["moms"])


def _validation(learn) -> dict[str, float]:
    loss, accuracy, perplexity = learn.validate()
    return {"loss": float(loss), "accuracy": float(accuracy), "perplexity": float(perplexity)}


def fine_tune_lm(dls, cfg: dict, log, wt103: tuple[Path, Path] | None = None,
                 head_encoder: str | Path | None = None):
    """Return the fine-tuned language-model Learner, its validation {loss, accuracy,
    perplexity}, and the same after the head epochs: frozen head epochs at head_lr, then
    unfrozen epochs at unfrozen_lr. With `head_encoder`, the encoder as it is after the head
    epochs (the log's language model) is saved there."""
    text = _fastai()
    lm = cfg["lm"]
    learn = text.language_model_learner(
        dls, text.AWD_LSTM, config=awd_config(cfg, classifier=False), drop_mult=lm["drop_mult"],
        pretrained=False, metrics=[text.accuracy, text.Perplexity()], cbs=[log],
        **fs.v1_learner_kwargs())
    if wt103 is not None:
        load_wt103(learn, *wt103)
    learn.freeze()
    learn = fs.quiet(fs.mixed_precision(learn))
    log.phase = "lm_frozen"
    learn.fit_one_cycle(lm["head_epochs"], lm["head_lr"], moms=_moms(cfg), **fs.V1_ONE_CYCLE)
    head = _validation(learn)
    if head_encoder is not None:
        save_encoder(learn, head_encoder)
    learn.unfreeze()
    log.phase = "lm_unfrozen"
    learn.fit_one_cycle(lm["unfrozen_epochs"], lm["unfrozen_lr"], moms=_moms(cfg),
                        **fs.V1_ONE_CYCLE)
    return learn, _validation(learn), head


def save_encoder(learn, path: str | Path) -> Path:
    """Save the language model's encoder (the AWD-LSTM) as a plain state dict."""
    path = Path(path)
    torch.save(learn.model[0].state_dict(), path)
    return path


def load_encoder(learn, path: str | Path) -> None:
    """Load a saved encoder state dict into the classifier's encoder (weights_only) and freeze."""
    from fastai.text.learner import clean_raw_keys

    encoder = learn.model[0]
    encoder = getattr(encoder, "module", encoder)
    encoder.load_state_dict(clean_raw_keys(torch.load(path, map_location="cpu",
                                                      weights_only=True)))
    learn.freeze()


def train_classifier(dls, cfg: dict, encoder: str | Path, log,
                     examples: list[dict] | None = None) -> tuple[object, list[dict], list[dict]]:
    """Return the classifier Learner, one {name, freeze_to, epochs, accuracy} per stage of
    cfg["classifier"]["stages"] (accuracy on the validation = test split after the stage), and
    the `examples` classified after the first stage (where the log called learn.predict)."""
    text = _fastai()
    clas = cfg["classifier"]
    learn = text.text_classifier_learner(
        dls, text.AWD_LSTM, seq_len=clas["seq_len"], config=awd_config(cfg, classifier=True),
        drop_mult=clas["drop_mult"], pretrained=False, metrics=text.accuracy, cbs=[log],
        **fs.v1_learner_kwargs())
    load_encoder(learn, encoder)
    learn = fs.quiet(fs.mixed_precision(learn))
    stages, predictions = [], []
    for stage in clas["stages"]:
        learn.freeze_to(int(stage["freeze_to"]))
        lr = float(stage["lr"])
        divisor = float(stage["lr_divisor"])
        log.phase = stage["name"]
        learn.fit_one_cycle(stage["epochs"], lr if divisor == 1 else slice(lr / divisor, lr),
                            moms=_moms(cfg), **fs.V1_ONE_CYCLE)
        accuracy = float(learn.recorder.values[-1][2])
        print(f"classifier stage {stage['name']}: accuracy {accuracy:.4f}", flush=True)
        stages.append({"name": stage["name"], "freeze_to": int(stage["freeze_to"]),
                       "epochs": int(stage["epochs"]), "accuracy": accuracy})
        if len(stages) == 1 and examples:  # two fixed sentences, whatever the data's size
            with rehearsal.phase("examples", kind="data", items=len(examples),
                                 full=len(examples)):
                predictions = predict_examples(learn, examples)
    return learn, stages, predictions


def predict_examples(learn, examples: list[dict]) -> list[dict]:
    """Classify each {text, label} example; return it with the predicted label, P(pos) and
    whether the prediction matches the label."""
    out = []
    for example in examples:
        if example["label"] not in LABELS:
            raise ValueError(f"imdb.examples: label {example['label']!r} must be one of "
                             f"{list(LABELS)}")
        predicted, _, probs = learn.predict(example["text"])
        p_pos = float(probs[LABELS.index("pos")])
        out.append({"text": example["text"], "label": example["label"],
                    "predicted": str(predicted), "p_pos": p_pos,
                    "correct": str(predicted) == example["label"]})
        print(f"predict {example['text']!r}: {predicted} (P(pos) = {p_pos:.4f})", flush=True)
    return out


def first_stage_only(cfg: dict) -> dict:
    """`cfg` with the classifier's stages cut to the first (the log's frozen fit_one_cycle)."""
    stages = cfg["classifier"]["stages"]
    if not stages:
        raise ValueError("imdb.classifier.stages is empty: the log's run is its first stage")
    return {**cfg, "classifier": {**cfg["classifier"], "stages": stages[:1]}}


def train(df: pd.DataFrame, cfg: dict, seed: int, workdir: str | Path, device, threads: int = 1,
          wt103: tuple[Path, Path] | None = None) -> dict:
    """The whole lesson on `df` (load_imdb's table), and the log's run beside it. `workdir`
    receives the encoders' state dicts. Returns {lm, lm_head, stages, log_run, examples,
    lm_seconds_per_epoch, classifier_epoch_seconds, ...}."""
    if cfg["pretrained"] and wt103 is None:
        raise ValueError("imdb.pretrained is true but no WT103 weights were given")
    n_workers = threads if threads > 1 else 0
    log = fs.EpochLog(every=cfg["log_every_batches"])
    with fs.no_downloads():
        with rehearsal.phase("tokenize", kind="data", items=len(df), whole=True):  # all reviews
            lm_dls = lm_dataloaders(df, cfg, seed, device, n_workers)
        print(f"language model: {len(lm_dls.train_ds)} train / {len(lm_dls.valid_ds)} valid "
              f"texts, vocabulary {len(lm_dls.vocab)}", flush=True)
        head_encoder = Path(workdir) / "lm_head_encoder.pth"
        lm_learn, lm, lm_head = fine_tune_lm(lm_dls, cfg, log,
                                             wt103 if cfg["pretrained"] else None, head_encoder)
        encoder = save_encoder(lm_learn, Path(workdir) / "lm_encoder.pth")
        with rehearsal.phase("tokenize", kind="data", items=len(df), whole=True):
            clas_dls = classifier_dataloaders(df, list(lm_dls.vocab), cfg, device, n_workers)
        print(f"classifier: {len(clas_dls.train_ds)} train / {len(clas_dls.valid_ds)} test "
              f"reviews", flush=True)
        clas_log = fs.EpochLog(every=cfg["log_every_batches"])
        _, stages, _ = train_classifier(clas_dls, cfg, encoder, clas_log)
        print("the log's run: classifier on the head-only language model, first stage only",
              flush=True)
        log_run_log = fs.EpochLog(every=cfg["log_every_batches"])
        _, log_run, examples = train_classifier(clas_dls, first_stage_only(cfg), head_encoder,
                                                log_run_log, cfg["examples"])
    first = cfg["classifier"]["stages"][0]["name"]
    return {"lm": lm, "lm_head": lm_head, "stages": stages, "log_run": log_run[0],
            "examples": examples, "vocab_size": len(lm_dls.vocab),
            "n_train": len(clas_dls.train_ds), "n_valid": len(clas_dls.valid_ds),
            "lm_seconds_per_epoch": fs.seconds_per_epoch(log, "lm_unfrozen"),
            "classifier_epoch_seconds": fs.seconds_per_epoch(log_run_log, first),
            "classifier_seconds_total": float(sum(clas_log.seconds))}


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): the lesson on the reviews of ctx.inputs["data"]
    (from the WT103 weights of ctx.inputs["weights"] when pretrained), the encoder handed over
    in the scratch folder; the metrics, the stage table and what the figure shows."""
    cfg = ctx.cfg
    wt103 = None
    if cfg["pretrained"]:
        if "weights" not in ctx.inputs:
            raise ValueError("config imdb.pretrained is true but the rule has no weights input")
        wt103 = wt103_files(ctx.inputs["weights"])
    df = load_imdb(Path(ctx.inputs["data"]), unsup=cfg["lm"]["use_unsup"])
    ctx.log(f"IMDB: {df['split'].value_counts().to_dict()} reviews")
    results = train(df, cfg, ctx.seed, ctx.workdir, torch.device(ctx.device), ctx.threads, wt103)
    results["metrics"] = summarize(results)
    results["table"] = stage_rows(results["log_run"], results["stages"], ctx.reference)
    return results


def summarize(results: dict) -> dict[str, float]:
    """Flat metrics: the log's run's accuracy, the lesson's frozen / unfrozen accuracy (first /
    last classifier stage), what each unfreezing adds, the examples, language-model quality,
    and the timings."""
    stages, examples, lm = results["stages"], results["examples"], results["lm"]
    if len(examples) < 2:
        raise ValueError("imdb.examples: the log's figure has two sentences, an enthusiastic "
                         "one first and a lukewarm one second; give both")
    log_run, frozen, unfrozen = (results["log_run"]["accuracy"], stages[0]["accuracy"],
                                 stages[-1]["accuracy"])
    metrics = {
        "log_run_accuracy": log_run,
        "frozen_accuracy": frozen,
        "unfrozen_accuracy": unfrozen,
        # the log: its 84.2 % against the lesson's 94.4 % "come from neither unfreezing the
        # layers when training the encoder nor classifier": the gain of each unfreezing
        "lm_unfreezing_gain": frozen - log_run,
        "classifier_unfreezing_gain": unfrozen - frozen,
        "smaller_unfreezing_gain": min(frozen - log_run, unfrozen - frozen),
        "example_reviews_correct": float(np.mean([e["correct"] for e in examples])),
        "example_positive_probability_gap": examples[0]["p_pos"] - examples[1]["p_pos"],
        "log_run_lm_accuracy": results["lm_head"]["accuracy"],
        "lm_accuracy": lm["accuracy"],
        "lm_perplexity": lm["perplexity"],
        "lm_valid_loss": lm["loss"],
        "vocab_size": results["vocab_size"],
        "classifier_train_reviews": results["n_train"],
        "classifier_test_reviews": results["n_valid"],
        "lm_seconds_per_epoch": results["lm_seconds_per_epoch"],
        "classifier_epoch_seconds": results["classifier_epoch_seconds"],
        "classifier_seconds_total": results["classifier_seconds_total"],
    }
    for i, example in enumerate(examples, start=1):
        metrics[f"example_{i}_positive_probability"] = example["p_pos"]
    if not all(math.isfinite(v) for v in metrics.values()):
        raise ValueError(f"imdb: non-finite metric in {metrics}")
    return metrics


LOG_RUN = "log's run"  # the table's and figure's name of the log's run


def stage_rows(log_run: dict, stages: list[dict], reference) -> list[dict]:
    """The classifier runs as table rows: run (the log's, or the lesson's), language model,
    stage, freeze_to, epochs, accuracy and the value the log gives (empty where it gives none:
    the log's run's, and the lesson's final one; reference: the study's claims)."""
    logged = {key: float(reference[key]) for key in ("log_run_accuracy", "unfrozen_accuracy")
              if key in reference}
    rows = [{"run": LOG_RUN, "language_model": "head epochs only", "stage": log_run["name"],
             "freeze_to": log_run["freeze_to"], "epochs": log_run["epochs"],
             "accuracy": log_run["accuracy"], "log_accuracy": logged.get("log_run_accuracy", "")}]
    for i, stage in enumerate(stages):
        last = i == len(stages) - 1
        rows.append({"run": "lesson", "language_model": "then unfrozen", "stage": stage["name"],
                     "freeze_to": stage["freeze_to"], "epochs": stage["epochs"],
                     "accuracy": stage["accuracy"],
                     "log_accuracy": logged.get("unfrozen_accuracy", "") if last else ""})
    return rows


def plot(result: dict, path, reference) -> None:
    """Left: the two example reviews with P(pos) from the log's run's classifier (as the log's
    learn.predict cells); right: test accuracy of the log's run and after each stage of the
    lesson's, with the values the log gives."""
    from ..figures import new_figure, save_figure

    log_epoch_seconds = reference["classifier_epoch_seconds"]
    gap_key = "example_positive_probability_gap"
    log_gap = f"; log {reference[gap_key]:.2f}" if gap_key in reference else ""

    fig, (ax_ex, ax_acc) = new_figure(1, 2, size=(12.5, 4.4),
                                      gridspec_kw={"width_ratios": [1.1, 1]})
    examples = result["examples"]
    y = np.arange(len(examples))[::-1]
    p_pos = [e["p_pos"] for e in examples]
    colors = ["tab:green" if e["predicted"] == "pos" else "tab:red" for e in examples]
    ax_ex.barh(y, p_pos, color=colors, height=0.5)
    ax_ex.axvline(0.5, color="grey", ls="--", lw=1)
    for yi, e in zip(y, examples, strict=True):
        ax_ex.text(0.01, yi + 0.33, f"\u201c{e['text']}\u201d", fontsize=9, va="bottom")
        ax_ex.text(min(e["p_pos"], 0.97) + 0.01, yi,
                   f"{e['predicted']} ({e['p_pos']:.3f}); the log's label: {e['label']}",
                   va="center", fontsize=8)
    ax_ex.set(xlim=(0, 1.35), ylim=(-0.6, len(examples) - 0.1), yticks=[],
              xlabel="P(positive) from learn.predict",
              title=f"The log's run classifies the log's sentences: P(pos) first - second = "
                    f"{result['metrics'][gap_key]:.2f}{log_gap}")
    ax_ex.title.set_fontsize(9)
    ax_ex.set_xticks([0, 0.25, 0.5, 0.75, 1])
    rows = result["table"]
    names = [f"{r['run']}\n{r['stage']}" if r["run"] == LOG_RUN else r["stage"] for r in rows]
    acc = [100 * r["accuracy"] for r in rows]
    x = np.arange(len(rows))
    ax_acc.bar(x, acc, color=["tab:orange"] + ["tab:blue"] * (len(rows) - 1), width=0.6,
               label="this run (test split)")
    for xi, a in zip(x, acc, strict=True):
        ax_acc.text(xi, a / 2, f"{a:.1f}", ha="center", fontsize=9, color="white")
    logged = [(i, 100 * r["log_accuracy"]) for i, r in enumerate(rows) if r["log_accuracy"] != ""]
    if logged:
        ax_acc.plot([i for i, _ in logged], [a for _, a in logged], "k*", ms=12,
                    label="log (its run; the lesson's end)")
        for i, a in logged:
            ax_acc.text(i + 0.12, a + 2.5, f"{a:.1f}", fontsize=8, va="center")
    ax_acc.set_xticks(x, names, rotation=15, fontsize=8)
    epoch_seconds = result["classifier_epoch_seconds"]
    ax_acc.set(ylim=(0, 118), ylabel="test accuracy (%)",
               title=f"The log's run (nothing unfrozen), then the lesson's stages\n(the log's "
                     f"run's epoch {epoch_seconds:.1f} s; log {log_epoch_seconds:g} s)")
    ax_acc.title.set_fontsize(9)
    ax_acc.legend(loc="upper center", ncol=2, fontsize=8)
    lm, head = result["lm"], result["lm_head"]
    fig.suptitle(f"ULMFiT on IMDB: language model {100 * head['accuracy']:.1f} % next-word "
                 f"accuracy after its head epochs (the log's), {100 * lm['accuracy']:.1f} % "
                 f"unfrozen (the lesson's); {result['n_train']} train / {result['n_valid']} "
                 f"test reviews", fontsize=10)
    save_figure(fig, path)
