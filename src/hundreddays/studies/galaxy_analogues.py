"""Days 33, 43-45, 52, 53: the log's general statements about galaxy distances, tested on a toy
photometry simulator (hundreddays.analogues.photometry). SIMULATED ANALOGUES: the author's
catalogues and simulations are private, so nothing here measures his data.

1. [33] distance regression posed as classification over z bins, some bins emptied in the
   training set: the distances (mean z of the predicted distribution) of test objects in empty
   classes against the rest; weight decay on the last layer and the overall (populated-class)
   result; and classification against MSE regression on the same galaxies.
2. [43-45] a CNN whose two large linear input layers map fluxes to a "spectrum" vs a fully
   connected network ("only linear layers"): overfitting, and which is better.
3. [52] pretraining on a large simulation, clean or with added noise, short or long, then
   fine-tuning on a small "real" set drawn from a slightly different simulator.
4. [53] (Hinton) a network trained on noisy labels predicts the truth better than its labels.

Where an epoch is chosen (2 and 3: the lowest validation loss), the reported loss is that
epoch's loss on a separate test set drawn from the same simulator on another random stream, as
large as the validation set. The study runs one seed (studies.yaml one_seed), so every ratio a
claim judges comes with a bootstrap 95 % interval over the test galaxies
(hundreddays.analogues.intervals; keys <ratio>_low95 and <ratio>_high95).
"""

from __future__ import annotations

import numpy as np
import torch

from ..analogues import figure
from ..analogues.fit import best_valid, chosen_epoch, fit, per_sample_loss, predict
from ..analogues.nets import SpectrumCNN, mlp, n_parameters
from ..analogues.photometry import simulate, standardizer, z_classes
from ..analogues.summary import summarize


def check_config(cfg: dict) -> None:
    """Raise ValueError naming the config key (studies.galaxy_analogues...) at fault, for what
    the block's schema (schemas/studies/galaxy_analogues.yaml, checked by the workflow) cannot
    say: the emptied classes must exist, the short pretraining must be shorter than the long."""
    empty = cfg["empty_classes"]["empty"]
    if not empty or any(not 0 <= c < cfg["classes"] for c in empty):
        raise ValueError(f"config studies.galaxy_analogues.empty_classes.empty: {empty} must be "
                         f"a non-empty list of class indices in [0, {cfg['classes']})")
    pre = cfg["pretraining"]
    if not 1 <= pre["short_epochs"] < pre["long_epochs"]:
        raise ValueError("config studies.galaxy_analogues.pretraining: need 1 <= short_epochs "
                         f"< long_epochs, got {pre['short_epochs']}, {pre['long_epochs']}")


def _sim(cfg: dict, n: int, rng, noise: float | None = None, shift: float = 0.0) -> dict:
    return simulate(n, rng, n_bands=cfg["bands"], z_max=cfg["z_max"],
                    noise=cfg["flux_noise"] if noise is None else noise, stretch=shift, tilt=shift)


def _model(cfg: dict, seed: int, n_out: int | None = None):
    torch.manual_seed(seed)
    return mlp(cfg["bands"], cfg["hidden"], cfg["classes"] if n_out is None else n_out)


def mean_z(model, x, z_max: float) -> np.ndarray:
    """The distance estimate of a classifier: the mean z of its predicted distribution over the
    class centres."""
    p = torch.softmax(predict(model, x), dim=1).cpu().numpy().astype(np.float64)
    centres = (np.arange(p.shape[1]) + 0.5) * z_max / p.shape[1]
    return p @ centres


def _at_best(model, out: dict):
    """`model` with the weights of its epoch of lowest validation loss (fit's keep_best)."""
    model.load_state_dict(out["best"])
    return model


def empty_classes(cfg: dict, seed: int, log=print, device: str = "cpu") -> dict:
    """Analogue 1: train without the samples of the `empty` classes; per test galaxy the NLL and
    the distance error |mean z - z| for each last-layer weight decay of the sweep (0 and the
    claimed one included)."""
    sub, classes = cfg["empty_classes"], cfg["classes"]
    rng = np.random.default_rng([seed, 1])
    train, test = _sim(cfg, sub["train"], rng), _sim(cfg, sub["test"], rng)
    y_train = z_classes(train["z"], cfg["z_max"], classes)
    y_test = z_classes(test["z"], cfg["z_max"], classes)
    empty = np.array(sorted(set(sub["empty"])))
    keep = ~np.isin(y_train, empty)
    scale = standardizer(train["features"][keep])
    tr, te = (scale(train["features"][keep]), y_train[keep]), (scale(test["features"]), y_test)
    in_empty = np.isin(y_test, empty)
    decays = sorted({0.0, float(sub["weight_decay"]), *map(float, sub["weight_decay_sweep"])})
    runs = {}
    for wd in decays:
        model = _model(cfg, seed + 1)
        out = fit(model, tr, te, loss="ce", epochs=sub["epochs"], batch_size=cfg["batch_size"],
                  lr=cfg["lr"], seed=seed + 1, last_layer_weight_decay=wd, log=log,
                  name=f"[empty classes, last-layer weight decay {wd:g}]", device=device)
        nll = per_sample_loss(model, te, "ce")
        error = np.abs(mean_z(model, te[0], cfg["z_max"]) - test["z"])
        per_class = np.array([nll[y_test == c].mean() if (y_test == c).any() else np.nan
                              for c in range(classes)])
        runs[wd] = {"history": out["history"], "per_class_nll": per_class, "nll": nll,
                    "z_error": error, "empty_nll": float(nll[in_empty].mean()),
                    "populated_nll": float(nll[~in_empty].mean())}
    return {"empty": empty, "runs": runs, "weight_decay": float(sub["weight_decay"]),
            "train_size": int(keep.sum()), "test_in_empty": in_empty, "test_z": test["z"]}


def cnn_vs_linear(cfg: dict, seed: int, log=print, device: str = "cpu") -> dict:
    """Analogue 2: the spectrum CNN and the fully connected net on the same data and schedule;
    test set: as many galaxies as the validation set, from another random stream."""
    sub = cfg["cnn"]
    rng = np.random.default_rng([seed, 2])
    data = _sim(cfg, sub["train"] + sub["valid"], rng)
    test = _sim(cfg, sub["valid"], np.random.default_rng([seed, 2, 1]))
    y = z_classes(data["z"], cfg["z_max"], cfg["classes"])
    n = sub["train"]
    scale = standardizer(data["features"][:n])
    tr, va = (scale(data["features"][:n]), y[:n]), (scale(data["features"][n:]), y[n:])
    te = (scale(test["features"]), z_classes(test["z"], cfg["z_max"], cfg["classes"]))
    torch.manual_seed(seed + 2)
    cnn = SpectrumCNN(cfg["bands"], sub["linear_width"], sub["spectrum_length"],
                      sub["channels"], sub["blocks"], cfg["classes"])
    linear = _model(cfg, seed + 2)
    out = {}
    for name, model in (("cnn", cnn), ("linear", linear)):
        run = fit(model, tr, va, loss="ce", epochs=sub["epochs"], batch_size=cfg["batch_size"],
                  lr=cfg["lr"], seed=seed + 2, log=log, name=f"[{name}]", device=device,
                  test=te, keep_best=True)
        final_valid = per_sample_loss(model, va, "ce")  # per galaxy, at the last epoch
        _at_best(model, run)
        out[name] = {"history": run["history"], "parameters": n_parameters(model),
                     "test_losses": per_sample_loss(model, te, "ce"),
                     "final_valid_losses": final_valid,
                     "best_valid_losses": per_sample_loss(model, va, "ce")}
    out["test_size"] = len(te[1])
    return out


def pretraining(cfg: dict, seed: int, log=print, device: str = "cpu") -> dict:
    """Analogue 3: fine-tune on a small shifted "real" set from scratch, after clean pretraining,
    after noisy pretraining (short: a snapshot of the long run) and after long noisy pretraining.
    The clean and noisy simulations are the same galaxies, with and without the added noise
    (sim_noise, twice the "real" galaxies' flux_noise: as far from it as no noise is, so that
    noisy pretraining cannot win by matching the real noise).
    Each fine-tuning keeps its epoch of lowest "real" validation loss; its loss on a separate
    "real" test set (as large as the validation set, another random stream) is reported."""
    sub = cfg["pretraining"]
    rng = np.random.default_rng([seed, 3])
    sim = _sim(cfg, sub["simulations"], rng, noise=sub["sim_noise"])
    real = _sim(cfg, sub["real_train"] + sub["real_valid"], rng, shift=sub["domain_shift"])
    real_test = _sim(cfg, sub["real_valid"], np.random.default_rng([seed, 3, 1]),
                     shift=sub["domain_shift"])
    classes = lambda d: z_classes(d["z"], cfg["z_max"], cfg["classes"])  # noqa: E731
    scale = standardizer(sim["clean"])
    n = sub["real_train"]
    y_real = classes(real)
    real_tr = (scale(real["features"][:n]), y_real[:n])
    real_va = (scale(real["features"][n:]), y_real[n:])
    real_te = (scale(real_test["features"]), classes(real_test))
    y_sim = classes(sim)
    short, long = sub["short_epochs"], sub["long_epochs"]
    common = {"loss": "ce", "batch_size": cfg["batch_size"], "lr": cfg["lr"], "seed": seed + 3,
              "log": log, "device": device}
    clean_model = _model(cfg, seed + 3)
    clean = fit(clean_model, (scale(sim["clean"]), y_sim), real_va, epochs=short,
                name="[pretrain clean]", **common)
    noisy_model = _model(cfg, seed + 3)
    noisy = fit(noisy_model, (scale(sim["features"]), y_sim), real_va, epochs=long,
                snapshot_at={short}, name="[pretrain noisy]", **common)
    starts = {"scratch": None, "clean": clean_model.state_dict(),
              "noisy": noisy["snapshots"][short], "noisy_long": noisy_model.state_dict()}
    tuned = {}
    for name, state in starts.items():
        model = _model(cfg, seed + 4)
        if state is not None:
            model.load_state_dict(state)
        run = fit(model, real_tr, real_va, loss="ce", epochs=sub["finetune_epochs"],
                  batch_size=sub["finetune_batch_size"], lr=cfg["lr"], seed=seed + 4, log=log,
                  name=f"[fine-tune after {name}]", device=device, test=real_te,
                  keep_best=True)
        chosen = chosen_epoch(run["history"])
        tuned[name] = {"history": run["history"], "best_valid_loss": best_valid(run["history"]),
                       "best_epoch": chosen["epoch"], "test_loss": chosen["test_loss"],
                       "test_losses": per_sample_loss(_at_best(model, run), real_te, "ce")}
    return {"pretrain": {"clean": clean["history"], "noisy": noisy["history"]}, "tuned": tuned,
            "short_epochs": short, "long_epochs": long, "real_test_size": len(real_te[1])}


def noisy_labels(cfg: dict, seed: int, log=print, device: str = "cpu") -> dict:
    """Analogue 4: regress z with MSE on labels z + N(0, label_noise); compare the test errors of
    the predictions and of the labels against the true z (and a net trained on clean labels).
    Day 33's comparison on the same galaxies: a classifier over the z classes of the true z,
    its distance the mean z of its distribution, against the regression on the true z."""
    sub = cfg["noisy_labels"]
    rng = np.random.default_rng([seed, 5])
    data = _sim(cfg, sub["train"] + sub["test"], rng)
    labels = data["z"] + sub["label_noise"] * rng.standard_normal(len(data["z"]))
    n = sub["train"]
    scale = standardizer(data["features"][:n])
    x_tr, x_te = scale(data["features"][:n]), scale(data["features"][n:])
    z_te, labels_te = data["z"][n:], labels[n:]
    out, histories = {}, []
    for name, targets in (("noisy", labels), ("clean", data["z"])):
        model = _model(cfg, seed + 5, n_out=1)
        histories += fit(model, (x_tr, targets[:n]), (x_te, labels_te), loss="mse",
            epochs=sub["epochs"], batch_size=cfg["batch_size"], lr=cfg["lr"], seed=seed + 5,
            log=log, name=f"[regression on {name} labels]", device=device)["history"]
        out[name] = predict(model, x_te).squeeze(1).cpu().numpy().astype(np.float64)
    classes = lambda z: z_classes(z, cfg["z_max"], cfg["classes"])  # noqa: E731
    model = _model(cfg, seed + 5)
    histories += fit(model, (x_tr, classes(data["z"][:n])), (x_te, classes(z_te)), loss="ce",
                     epochs=sub["epochs"], batch_size=cfg["batch_size"], lr=cfg["lr"],
                     seed=seed + 5, log=log, name="[classification on true z]",
                     device=device)["history"]
    out["classifier"] = mean_z(model, x_te, cfg["z_max"])
    rmse = lambda a: float(np.sqrt(np.mean((a - z_te) ** 2)))  # noqa: E731
    return {"z": z_te, "labels": labels_te, "prediction": out["noisy"],
            "clean_prediction": out["clean"], "classifier_prediction": out["classifier"],
            "prediction_rmse": rmse(out["noisy"]), "label_rmse": rmse(labels_te),
            "clean_label_prediction_rmse": rmse(out["clean"]), "history": histories}


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): run the four analogues (each reseeds torch from
    the config's seed, so that the arms it compares start from the same weights); returns their
    results, the flat metrics and z_max (for the figure)."""
    cfg, seed, log, device = ctx.cfg, ctx.seed, ctx.log, ctx.device
    check_config(cfg)
    results = {"empty_classes": empty_classes(cfg, seed, log, device),
               "cnn": cnn_vs_linear(cfg, seed, log, device),
               "pretraining": pretraining(cfg, seed, log, device),
               "noisy_labels": noisy_labels(cfg, seed, log, device)}
    results["metrics"] = summarize(results, seed)
    results["z_max"] = cfg["z_max"]
    return results


def plot(result: dict, path, reference) -> None:
    """One panel per analogue (hundreddays.analogues.figure). The log's claims here are
    qualitative (reported 1), so `reference` is not drawn."""
    figure.draw(result, path, result["z_max"])
