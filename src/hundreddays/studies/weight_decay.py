"""Day 34: weight decay (fast.ai lesson 5). The libraries' defaults read from the installed code,
the equivalence of an L2 loss term with weight_decay inside the optimizer step, and a sweep of
weight decay on lesson 5's task: its two-layer Mnist_NN trained with learn.fit_one_cycle(1, 1e-2)
on MNIST's first 50,000 training images, validated on the other 10,000 (course-v3
lesson5-sgd-mnist, cells 5, 22, 32), with fastai 1's one-cycle and AdamW defaults.

An L2 term (wd / 2) * sum(p²) adds wd * p to every gradient, which is what torch.optim.SGD's
(and Adam's) `weight_decay=wd` adds inside the step; the lesson's `loss + wd * sum(p²)` (no 1/2)
equals weight_decay = 2 wd. AdamW and fastai instead decay the weights directly
(p <- p - lr * wd * p, "decoupled" or "true" weight decay), which differs from the L2 term under
Adam. The sweep uses torch.optim.AdamW: fastai's default optimizer is Adam with decoupled weight
decay, and its 0.01 default and "0.1 works most times" are values of that parametrisation.
torch's OneCycleLR stands in for fastai 1's scheduler (training.one_cycle_schedule).

The defaults and the equivalence (on random images) need no dataset: where MNIST cannot be read
(ctx.data_missing), the study measures those and leaves the sweep out (studies.yaml data_free).
"""

from __future__ import annotations

import inspect
from pathlib import Path
from textwrap import fill

import numpy as np
import torch
from torch import nn

from ..checkpoint import remove as remove_checkpoint
from ..mnist_support import logistic_regression
from ..timing import seconds_per_epoch
from ..training import part_checkpoint, to_tensors, train_classifier

LOG_STATEMENTS = {  # day 34 of the log: what each default is compared with (values: claims.yaml)
    "torch_adam_default": ("torch.optim.Adam", "weight_decay", "Adam: defaults to zero"),
    "torch_adamw_default": ("torch.optim.AdamW", "weight_decay", "(not in the log)"),
    "torch_sgd_default": ("torch.optim.SGD", "weight_decay", "(not in the log)"),
    "fastai_default_wd": ("fastai Learner", "wd", "fastai: 0.01, a safe default"),
}


def parameter_default(func, name: str):
    """Return the default value of parameter `name` of `func` (a function or class), read with
    inspect.signature; raise ValueError if it has no such parameter or no default."""
    params = inspect.signature(func).parameters
    if name not in params or params[name].default is inspect.Parameter.empty:
        raise ValueError(f"{getattr(func, '__qualname__', func)} has no default for {name!r}")
    return params[name].default


def fastai_default_wd() -> dict:
    """Return where fastai's default weight decay lives and its value.

    fastai 2 Learner(wd=None) passes no wd to the optimizer, so the default is that of the
    Learner's default opt_func (fastai.optimizer.Adam, wd=0.01, decoupled); fastai 1 had
    Learner(wd=defaults.wd = 1e-2). Returns {"value", "source", "learner_wd", "decoupled"}.
    """
    import fastai
    from fastai.learner import Learner

    learner_wd = parameter_default(Learner, "wd")
    if learner_wd is not None:
        return {"value": float(learner_wd), "source": f"fastai {fastai.__version__} Learner(wd)",
                "learner_wd": float(learner_wd), "decoupled": True}
    opt_func = parameter_default(Learner, "opt_func")
    name = f"{opt_func.__module__}.{opt_func.__qualname__}"
    decoupled = bool(parameter_default(opt_func, "decouple_wd"))
    return {"value": float(parameter_default(opt_func, "wd")), "learner_wd": None,
            "source": f"fastai {fastai.__version__}: Learner(wd=None) -> {name}(wd)",
            "decoupled": decoupled}


def library_defaults(log_values: dict[str, float] | None = None) -> dict:
    """Return {metric key: default} read from the installed torch and fastai, plus "fastai"
    (the details of fastai_default_wd) and "table" (rows for the figure and the CSV, with the
    log's value of each key in `log_values`, from claims.yaml)."""
    log_values = log_values or {}
    values = {
        "torch_adam_default": float(parameter_default(torch.optim.Adam, "weight_decay")),
        "torch_adamw_default": float(parameter_default(torch.optim.AdamW, "weight_decay")),
        "torch_sgd_default": float(parameter_default(torch.optim.SGD, "weight_decay")),
    }
    fastai = fastai_default_wd()
    values["fastai_default_wd"] = fastai["value"]
    table = []
    for key, (where, param, statement) in LOG_STATEMENTS.items():
        log_value = log_values.get(key)
        source = fastai["source"] if key == "fastai_default_wd" else f"torch {torch.__version__}"
        table.append({"setting": f"{where}({param})", "installed_default": values[key],
                      "log_value": "" if log_value is None else log_value,
                      "log_statement": statement, "read_from": source})
    return {**values, "fastai": fastai, "table": table}


def _batches(n: int, batch_size: int, steps: int, seed: int) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    epochs = steps * batch_size // n + 1
    order = torch.cat([torch.randperm(n, generator=gen) for _ in range(epochs)])
    return [order[i * batch_size:(i + 1) * batch_size] for i in range(steps)]


def decay_paths(x: torch.Tensor, y: torch.Tensor, wd: float, lr: float, adam_lr: float,
                steps: int, batch_size: int, seed: int) -> dict[str, np.ndarray]:
    """Train the same float64 logistic regression from the same start on the same minibatches
    in several ways and return the final parameters (flattened) of each:

    "sgd_loss_term": SGD on cross-entropy + (wd/2) sum(p²); "sgd_weight_decay":
    SGD(weight_decay=wd);
    "sgd_none": SGD without decay (learning rate `lr`); "adam_loss_term", "adam_weight_decay":
    the same two under Adam and "adamw": AdamW(weight_decay=wd), decoupled (learning rate
    `adam_lr`). Every parameter (bias included) is decayed.
    """
    torch.manual_seed(seed)
    start = logistic_regression().double()
    batches = _batches(len(x), batch_size, steps, seed)
    setups = {
        "sgd_loss_term": (torch.optim.SGD, 0.0, True),
        "sgd_weight_decay": (torch.optim.SGD, wd, False),
        "sgd_none": (torch.optim.SGD, 0.0, False),
        "adam_loss_term": (torch.optim.Adam, 0.0, True),
        "adam_weight_decay": (torch.optim.Adam, wd, False),
        "adamw": (torch.optim.AdamW, wd, False),
    }
    finals = {}
    for name, (opt_class, opt_wd, loss_term) in setups.items():
        model = logistic_regression().double()
        model.load_state_dict(start.state_dict())
        rate = lr if opt_class is torch.optim.SGD else adam_lr
        opt = opt_class(model.parameters(), lr=rate, weight_decay=opt_wd)
        for idx in batches:
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
            if loss_term:
                loss = loss + wd / 2 * sum((p**2).sum() for p in model.parameters())
            opt.zero_grad()
            loss.backward()
            opt.step()
        finals[name] = torch.cat([p.detach().flatten() for p in model.parameters()]).numpy()
    return finals


def lesson5_net(hidden: int) -> nn.Module:
    """Lesson 5's Mnist_NN (cell 22) on 28 x 28 images: flatten, Linear(784, hidden), ReLU,
    Linear(hidden, 10) giving logits."""
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, hidden), nn.ReLU(),
                         nn.Linear(hidden, 10))


def equivalence(eq: dict, seed: int) -> dict[str, float]:
    """The largest parameter difference after `eq["steps"]` steps (decay_paths) between each way
    and its reference: "sgd_weight_decay", "sgd_none" against SGD with the loss term,
    "adam_weight_decay", "adamw" against Adam with the loss term.

    The inputs are `eq["images"]` random MNIST-shaped images (uint8 pixels, labels 0-9) drawn
    from `seed`: the identity is one of torch.optim's update rules and holds on any inputs, so
    the check needs no dataset and runs where MNIST is missing."""
    rng = np.random.default_rng([seed, 34])
    images = rng.integers(0, 256, (eq["images"], 28, 28), dtype=np.uint8)
    x, y = to_tensors(images, rng.integers(0, 10, eq["images"]))
    finals = decay_paths(x.double(), y, eq["wd"], eq["lr"], eq["adam_lr"], eq["steps"],
                         eq["batch_size"], seed)
    return {name: float(np.abs(finals[name] - finals[ref]).max()) for name, ref in (
        ("sgd_weight_decay", "sgd_loss_term"), ("sgd_none", "sgd_loss_term"),
        ("adam_weight_decay", "adam_loss_term"), ("adamw", "adam_loss_term"))}


def train_sweep_member(model: nn.Module, train, valid, wd: float, epochs: int, batch_size: int,
                       lr: float, seed: int, log=print, checkpoint=None,
                       device: str | torch.device = "cpu", one_cycle: dict | None = None,
                       beta2: float | None = None) -> list[dict]:
    """Train `model` on `device` with AdamW(weight_decay=wd) on cross-entropy, one-cycle up to
    `lr` when `one_cycle` is given (training's classifier loop: with `checkpoint`, an
    interrupted run resumes); return one record per epoch: train_loss (running mean),
    valid_loss, valid_accuracy, seconds."""
    betas = None if beta2 is None else (one_cycle["moms"][0] if one_cycle else 0.9, beta2)
    return train_classifier(model, train, valid, epochs, batch_size, lr, seed, log=log,
                            checkpoint=checkpoint, device=device, weight_decay=wd,
                            split="valid", betas=betas, one_cycle=one_cycle)


def _key(wd: float) -> str:
    return f"{wd:g}".replace(".", "_").replace("-", "m")


def check_config(cfg: dict) -> list[float]:
    """Raise naming the config key when the block lacks a key or its sweep misses the two weight
    decays the claim compares; return the sweep's weight decays."""
    for key in ("wds", "hidden", "epochs", "batch_size", "lr", "one_cycle", "beta2",
                "valid_images", "train_limit", "test_limit", "equivalence"):
        if key not in cfg:
            raise KeyError(f"config studies.weight_decay: missing key {key!r}")
    for key in ("images", "batch_size", "steps", "lr", "adam_lr", "wd"):
        if key not in cfg["equivalence"]:
            raise KeyError(f"config studies.weight_decay.equivalence: missing key {key!r}")
    wds = [float(w) for w in cfg["wds"]]
    if not {0.01, 0.1} <= set(wds):
        raise ValueError(f"config studies.weight_decay.wds = {cfg['wds']}: must hold 0.01 and 0.1 "
                         "(the claim compares them)")
    return wds


def run(ctx) -> dict:
    """Read the defaults (shown beside the log's values, ctx.reference), check the equivalence
    on random images, and, unless ctx.data_missing says why not, run the sweep on the MNIST
    folder ctx.inputs["data"], each weight decay resumable from its own checkpoint beside
    ctx.checkpoint. Returns {"defaults", "equivalence", "sweep" {wd: history; empty without
    data}, "data_missing", "metrics", "table" (the defaults)}."""
    from ..loaders.mnist import load_mnist

    cfg, seed, log = ctx.cfg, ctx.seed, ctx.log
    wds = check_config(cfg)
    eq = cfg["equivalence"]
    defaults = library_defaults({k: ctx.reference[k] for k in LOG_STATEMENTS
                                 if k in ctx.reference})
    log(f"defaults: torch Adam {defaults['torch_adam_default']}, AdamW "
        f"{defaults['torch_adamw_default']}, fastai {defaults['fastai_default_wd']} "
        f"({defaults['fastai']['source']})")
    diff = equivalence(eq, seed)
    log(f"max |param diff| after {eq['steps']} steps: SGD loss term vs weight_decay "
        f"{diff['sgd_weight_decay']:.2e} (vs no decay {diff['sgd_none']:.2e}); Adam "
        f"{diff['adam_weight_decay']:.2e}; AdamW vs Adam + L2 term {diff['adamw']:.2e}")
    metrics = {key: defaults[key] for key in LOG_STATEMENTS}
    metrics.update({
        "fastai_learner_wd_is_none": int(defaults["fastai"]["learner_wd"] is None),
        "fastai_wd_is_decoupled": int(defaults["fastai"]["decoupled"]),
        "loss_term_vs_optimizer_max_param_diff": diff["sgd_weight_decay"],
        "no_decay_vs_loss_term_max_param_diff": diff["sgd_none"],
        "adam_loss_term_vs_weight_decay_max_param_diff": diff["adam_weight_decay"],
        "adamw_vs_adam_loss_term_max_param_diff": diff["adamw"],
    })
    result = {"defaults": defaults, "equivalence": diff, "sweep": {}, "metrics": metrics,
              "table": defaults["table"], "data_missing": ctx.data_missing}
    if ctx.data_missing:  # the data-free part only (studies.yaml data_free)
        return result

    data = load_mnist(Path(ctx.inputs["data"]))
    images, labels, n_valid = data["train_images"], data["train_labels"], cfg["valid_images"]
    if not 0 < n_valid < len(images):
        raise ValueError(f"config studies.weight_decay.valid_images = {n_valid}: must leave "
                         f"training images of the {len(images)} (the lesson: 10,000 of 60,000)")
    train = to_tensors(images[:-n_valid][:cfg["train_limit"]],
                       labels[:-n_valid][:cfg["train_limit"]])
    valid = to_tensors(images[-n_valid:][:cfg["test_limit"]],
                       labels[-n_valid:][:cfg["test_limit"]])
    sweep = result["sweep"]
    checkpoints = {wd: part_checkpoint(ctx.checkpoint, f"wd_{_key(wd)}") for wd in wds}
    for wd in wds:
        torch.manual_seed(seed)  # the same initial weights for every wd
        sweep[wd] = train_sweep_member(lesson5_net(cfg["hidden"]), train, valid, wd,
                                       cfg["epochs"], cfg["batch_size"], cfg["lr"], seed,
                                       log=log, checkpoint=checkpoints[wd], device=ctx.device,
                                       one_cycle=cfg["one_cycle"], beta2=cfg["beta2"])
    for path in checkpoints.values():  # kept until every member is done: a rerun skips those
        remove_checkpoint(path)
    final = {wd: hist[-1] for wd, hist in sweep.items()}
    metrics.update({
        "wd_0_1_to_0_01_valid_loss_ratio": final[0.1]["valid_loss"] / final[0.01]["valid_loss"],
        "best_wd": min(wds, key=lambda w: final[w]["valid_loss"]),
        "train_images": len(train[0]), "valid_images": len(valid[0]), "epochs": cfg["epochs"],
        "seconds_per_epoch": seconds_per_epoch(h["seconds"] for hist in sweep.values()
                                               for h in hist),
    })
    for wd, rec in final.items():
        metrics[f"wd_{_key(wd)}_valid_loss"] = rec["valid_loss"]
        metrics[f"wd_{_key(wd)}_valid_accuracy"] = rec["valid_accuracy"]
    return result


def plot(result: dict, path, reference) -> None:
    """Draw the sweep's final validation loss and accuracy per weight decay (the claim's bound
    on the 0.1 / 0.01 loss ratio from `reference`, when it has one), beside a table of the
    installed defaults against the log's statements and the loss-term/optimizer check."""
    from ..figures import new_figure, save_figure

    m = result["metrics"]
    fig, (ax_loss, ax_acc, ax_table) = new_figure(1, 3, size=(16, 4.8),
                                                  gridspec_kw={"width_ratios": [1, 1, 1.6]})
    if result["data_missing"]:
        _sweep_not_run(ax_loss, ax_acc, result["data_missing"])
    else:
        _sweep(ax_loss, ax_acc, result["sweep"], m, reference)
    _defaults_table(ax_table, result["defaults"], m)
    save_figure(fig, path)


def _sweep_not_run(ax_loss, ax_acc, why: str) -> None:
    ax_loss.axis("off")
    ax_acc.axis("off")
    ax_loss.text(0.0, 0.5, "The weight-decay sweep on MNIST did not run:\n" + fill(why, 60),
                 fontsize=10, va="center", transform=ax_loss.transAxes)


def _sweep(ax_loss, ax_acc, sweep: dict, m: dict, reference) -> None:
    """Final validation loss and accuracy per weight decay, as bars."""
    names = [f"{wd:g}" + (" (best)" if wd == m["best_wd"] else "") for wd in sweep]
    final = [hist[-1] for hist in sweep.values()]
    colours = [f"C{i}" for i in range(len(final))]
    for ax, key, fmt in ((ax_loss, "valid_loss", "{:.4f}"), (ax_acc, "valid_accuracy", "{:.2%}")):
        values = [r[key] for r in final]
        ax.bar(names, values, color=colours)
        for x, v in enumerate(values):
            ax.text(x, v, fmt.format(v), ha="center", va="bottom", fontsize=9)
        low, high = min(values), max(values)
        ax.set_ylim(low - 0.6 * (high - low) - 1e-9, high + 0.4 * (high - low) + 1e-9)
    ratio_key = "wd_0_1_to_0_01_valid_loss_ratio"
    bound = f", claim ≤ {reference.threshold(ratio_key):g}" if ratio_key in reference else ""
    epochs = f"{m['epochs']} epoch" + ("s" if m["epochs"] != 1 else "")
    ax_loss.set(xlabel="weight decay (decoupled, AdamW)",
                ylabel=f"validation cross-entropy after {epochs}",
                title=f"Validation loss by weight decay\n(0.1 / 0.01: "
                      f"{m[ratio_key]:.3f}{bound})")
    ax_acc.set(xlabel="weight decay (decoupled, AdamW)", ylabel="validation accuracy",
               title=f"lesson 5's Mnist_NN, fit_one_cycle: {m['train_images']} training /\n"
                     f"{m['valid_images']} validation images")


def _defaults_table(ax_table, defaults: dict, m: dict) -> None:
    ax_table.axis("off")
    rows = [[r["setting"], f"{r['installed_default']:g}",
             "" if r["log_value"] == "" else f"{r['log_value']:g}"]
            for r in defaults["table"]]
    rows.append(["SGD: L2 term vs weight_decay, max |Δp|",
                 f"{m['loss_term_vs_optimizer_max_param_diff']:.1e}", "same"])
    rows.append(["AdamW vs Adam + L2 term, max |Δp|",
                 f"{m['adamw_vs_adam_loss_term_max_param_diff']:.1e}", ""])
    table = ax_table.table(cellText=rows,
                           colLabels=["setting", "value", "log (day 34)"],
                           cellLoc="left", loc="center", colWidths=[0.6, 0.18, 0.22])
    table.auto_set_font_size(False)
    table.set_fontsize(8.5)
    table.scale(1, 1.8)
    ax_table.set_title("Defaults read from the installed libraries; parameter checks")
    ax_table.text(0.0, 0.05, defaults["fastai"]["source"], fontsize=7.5,
                  transform=ax_table.transAxes)
