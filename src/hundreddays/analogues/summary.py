"""The flat metrics of the study galaxy_analogues (see report/galaxy_analogues.rst): each ratio a
claim judges with its bootstrap 95 % interval over the test galaxies (intervals.py), since the
study runs one seed."""

from __future__ import annotations

import numpy as np

from ..timing import seconds_per_epoch
from .fit import chosen_epoch
from .intervals import as_metrics, change_bound, grouped_ratio, paired_ratio


def sigma68(estimate: np.ndarray, z: np.ndarray) -> float:
    """The usual photometric-redshift scatter: half the width between the 16th and 84th
    percentiles of (estimate - z) / (1 + z)."""
    dz = (np.asarray(estimate) - z) / (1 + np.asarray(z))
    low, high = np.percentile(dz, [16, 84])
    return float((high - low) / 2)


def empty_class_metrics(ec: dict, seed: int) -> dict:
    """Day 33: empty against populated classes (NLL and distance error), and what the last-layer
    weight decay changes, overall (the populated classes: see the claim's note) and in the empty
    classes."""
    base, reg = ec["runs"][0.0], ec["runs"][ec["weight_decay"]]
    empty = ec["test_in_empty"]
    error = grouped_ratio(base["z_error"][empty], base["z_error"][~empty], [seed, 33, 1])
    change = paired_ratio(reg["nll"][~empty], base["nll"][~empty], [seed, 33, 2])
    return {
        "empty_class_test_nll": base["empty_nll"],
        "populated_class_test_nll": base["populated_nll"],
        "empty_to_populated_class_test_nll_ratio": base["empty_nll"] / base["populated_nll"],
        "empty_class_mean_abs_z_error": float(base["z_error"][empty].mean()),
        "populated_class_mean_abs_z_error": float(base["z_error"][~empty].mean()),
        **as_metrics("empty_to_populated_class_z_error_ratio", error),
        "regularized_empty_class_test_nll": reg["empty_nll"],
        "regularized_populated_class_test_nll": reg["populated_nll"],
        "regularized_nll_rel_change": abs(reg["empty_nll"] - base["empty_nll"]) / base["empty_nll"],
        "regularized_populated_nll_rel_change":
            abs(reg["populated_nll"] - base["populated_nll"]) / base["populated_nll"],
        "regularized_populated_nll_rel_change_high95": change_bound(change),
        "regularized_empty_to_populated_class_test_nll_ratio":
            reg["empty_nll"] / reg["populated_nll"],
        "last_layer_weight_decay": ec["weight_decay"],
        "test_objects_in_empty_classes": int(empty.sum()),
    }


def cnn_metrics(cnn: dict, seed: int) -> dict:
    """Days 43-45: the CNN's overfitting (final against best validation loss) and the CNN
    against the fully connected net on the test set, each at its epoch of lowest validation
    loss."""
    cnn_valid = [h["valid_loss"] for h in cnn["cnn"]["history"]]
    lin_valid = [h["valid_loss"] for h in cnn["linear"]["history"]]
    cnn_test = chosen_epoch(cnn["cnn"]["history"])["test_loss"]
    lin_test = chosen_epoch(cnn["linear"]["history"])["test_loss"]
    overfit = paired_ratio(cnn["cnn"]["final_valid_losses"], cnn["cnn"]["best_valid_losses"],
                           [seed, 44])
    versus = paired_ratio(cnn["cnn"]["test_losses"], cnn["linear"]["test_losses"], [seed, 45])
    return {
        "cnn_best_valid_loss": min(cnn_valid),
        "cnn_final_valid_loss": cnn_valid[-1],
        "cnn_best_epoch": int(np.argmin(cnn_valid)) + 1,
        "cnn_final_to_best_valid_loss": cnn_valid[-1] / min(cnn_valid),
        **{f"cnn_final_to_best_valid_loss_{k}95": overfit[k] for k in ("low", "high")},
        "cnn_final_train_loss": cnn["cnn"]["history"][-1]["train_loss"],
        "cnn_parameters": cnn["cnn"]["parameters"],
        "linear_best_valid_loss": min(lin_valid),
        "linear_final_to_best_valid_loss": lin_valid[-1] / min(lin_valid),
        "linear_parameters": cnn["linear"]["parameters"],
        "cnn_test_loss": cnn_test,
        "linear_test_loss": lin_test,
        "cnn_to_linear_test_loss_ratio": cnn_test / lin_test,
        **{f"cnn_to_linear_test_loss_ratio_{k}95": versus[k] for k in ("low", "high")},
        "cnn_test_galaxies": cnn["test_size"],
    }


def pretraining_metrics(pre: dict, seed: int) -> dict:
    """Day 52: the fine-tuned "real" test losses after each start, and their paired ratios."""
    tuned = {k: v["test_loss"] for k, v in pre["tuned"].items()}
    losses = {k: v["test_losses"] for k, v in pre["tuned"].items()}
    pairs = {"noisy_pretrain_to_scratch_test_loss": ("noisy", "scratch"),
             "noisy_to_clean_pretrain_test_loss": ("noisy", "clean"),
             "long_to_short_pretrain_test_loss": ("noisy_long", "noisy"),
             "clean_pretrain_to_scratch_test_loss": ("clean", "scratch")}
    metrics = {
        "real_test_galaxies": pre["real_test_size"],
        **{f"{k}_finetune_best_epoch": v["best_epoch"] for k, v in pre["tuned"].items()},
        "scratch_test_loss": tuned["scratch"],
        "clean_pretrain_test_loss": tuned["clean"],
        "noisy_pretrain_test_loss": tuned["noisy"],
        "long_pretrain_test_loss": tuned["noisy_long"],
    }
    for i, (name, (a, b)) in enumerate(pairs.items()):
        interval = paired_ratio(losses[a], losses[b], [seed, 52, i])
        metrics.update(as_metrics(name, interval))
        metrics[name] = tuned[a] / tuned[b]  # the test losses at the chosen epochs, as logged
    return metrics


def noisy_label_metrics(nl: dict, seed: int) -> dict:
    """Day 53: the net trained on noisy labels against its labels (RMSE against the true z);
    day 33: classification against MSE regression on the same galaxies (sigma68 and RMSE)."""
    z = nl["z"]
    sq = lambda a: (np.asarray(a) - z) ** 2  # noqa: E731
    labels = paired_ratio(sq(nl["prediction"]), sq(nl["labels"]), [seed, 53], root=True)
    classify = paired_ratio(sq(nl["classifier_prediction"]), sq(nl["clean_prediction"]),
                            [seed, 33, 3], root=True)
    rng = np.random.default_rng([seed, 33, 4])
    boot = []  # sigma68 ratio, the same galaxies resampled for both
    for _ in range(1000):
        idx = rng.integers(0, len(z), len(z))
        boot.append(sigma68(nl["classifier_prediction"][idx], z[idx])
                    / sigma68(nl["clean_prediction"][idx], z[idx]))
    s68 = {"classifier": sigma68(nl["classifier_prediction"], z),
           "regression": sigma68(nl["clean_prediction"], z)}
    return {
        "prediction_rmse": nl["prediction_rmse"],
        "label_rmse": nl["label_rmse"],
        "clean_label_prediction_rmse": nl["clean_label_prediction_rmse"],
        **as_metrics("prediction_to_label_rmse_ratio", labels),
        "classifier_sigma68": s68["classifier"],
        "regression_sigma68": s68["regression"],
        "classifier_to_regression_sigma68": s68["classifier"] / s68["regression"],
        **{f"classifier_to_regression_sigma68_{k}95": v
           for k, v in zip(("low", "high"), np.percentile(boot, [2.5, 97.5]), strict=True)},
        "classifier_to_regression_rmse": classify["ratio"],
    }


def summarize(results: dict, seed: int) -> dict:
    """Flat metrics of the four analogues, with the training time."""
    ec, cnn, pre, nl = (results[k] for k in ("empty_classes", "cnn", "pretraining", "noisy_labels"))
    histories = [h for r in ec["runs"].values() for h in r["history"]]
    histories += cnn["cnn"]["history"] + cnn["linear"]["history"] + pre["pretrain"]["clean"]
    histories += pre["pretrain"]["noisy"] + [h for t in pre["tuned"].values() for h in t["history"]]
    histories += nl["history"]
    return {
        **empty_class_metrics(ec, seed),
        **cnn_metrics(cnn, seed),
        **pretraining_metrics(pre, seed),
        **noisy_label_metrics(nl, seed),
        "seconds_per_epoch": seconds_per_epoch(h["seconds"] for h in pre["pretrain"]["noisy"]),
        "train_seconds": float(sum(h["seconds"] for h in histories)),
    }
