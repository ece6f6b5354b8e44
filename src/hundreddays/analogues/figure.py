"""The figure of the study galaxy_analogues: one panel per simulated analogue."""

from __future__ import annotations

import numpy as np


def draw(results: dict, path, z_max: float) -> None:
    """One panel per analogue, each titled as a simulated analogue (z classes over [0, z_max])."""
    from matplotlib.ticker import ScalarFormatter

    from ..figures import new_figure, save_figure

    fig, axes = new_figure(2, 2, size=(14, 11))
    ax1, ax2, ax3, ax4 = axes.ravel()
    m = results["metrics"]

    ec = results["empty_classes"]
    n_cls = len(next(iter(ec["runs"].values()))["per_class_nll"])
    centres = (np.arange(n_cls) + 0.5) * z_max / n_cls
    for c in ec["empty"]:
        ax1.axvspan(c * z_max / n_cls, (c + 1) * z_max / n_cls, color="C3", alpha=0.15, lw=0)
    decays = sorted(ec["runs"])
    colors = plt_colors(len(decays))
    for color, wd in zip(colors, decays, strict=True):
        r = ec["runs"][wd]
        bold = wd in (0.0, ec["weight_decay"])
        ax1.plot(centres, r["per_class_nll"], "o-" if bold else "-", color=color,
                 lw=2 if bold else 1, ms=3,
                 label=f"last-layer weight decay {wd:g}: empty {r['empty_nll']:.1f}, "
                       f"populated {r['populated_nll']:.2f}")
    ax1.set_yscale("log")
    ax1.yaxis.set_major_formatter(ScalarFormatter())
    ax1.yaxis.set_minor_formatter(_sparse_minor_labels())
    ax1.set(xlabel="true z (class centre)", ylabel="mean test NLL  -ln p(true class)",
            title="Simulated analogue (day 33): classes with no training sample (red bands)\n"
                  f"distance error empty/populated "
                  f"{_with_interval(m, 'empty_to_populated_class_z_error_ratio')}; NLL "
                  f"{m['empty_to_populated_class_test_nll_ratio']:.1f}\n"
                  f"decay {ec['weight_decay']:g} changes the populated NLL by "
                  f"{m['regularized_populated_nll_rel_change']:.1%} (at most "
                  f"{m['regularized_populated_nll_rel_change_high95']:.1%}), the empty by "
                  f"{m['regularized_nll_rel_change']:.0%}")
    ax1.legend(fontsize=7, loc="upper left")

    cnn = results["cnn"]
    for name, color, label in (("cnn", "C3", "CNN (linear layers -> spectrum -> 1-D ResNet)"),
                               ("linear", "C0", "fully connected only")):
        hist = cnn[name]["history"]
        epochs = [h["epoch"] for h in hist]
        n_par = cnn[name]["parameters"]
        ax2.plot(epochs, [h["valid_loss"] for h in hist], "-", color=color,
                 label=f"{label}, {n_par:,} params: validation")
        ax2.plot(epochs, [h["train_loss"] for h in hist], "--", color=color, label="   training")
    ax2.set(xlabel="epoch", ylabel="cross-entropy over z classes",
            title="Simulated analogue (days 43-45): CNN vs fully connected net\n"
                  f"CNN final/best valid {_with_interval(m, 'cnn_final_to_best_valid_loss')}\n"
                  f"CNN/linear test at the best valid epoch "
                  f"{_with_interval(m, 'cnn_to_linear_test_loss_ratio')}")
    ax2.legend(fontsize=7)

    pre = results["pretraining"]
    labels = {"scratch": "no pretraining", "clean": f"clean sims, {pre['short_epochs']} epochs",
              "noisy": f"noise-added sims, {pre['short_epochs']} epochs",
              "noisy_long": f"noise-added sims, {pre['long_epochs']} epochs"}
    for i, (name, tuned) in enumerate(pre["tuned"].items()):
        hist = tuned["history"]
        ax3.plot([h["epoch"] for h in hist], [h["valid_loss"] for h in hist], color=f"C{i}",
                 label=f"{labels[name]}: test {tuned['test_loss']:.3f} at epoch "
                       f"{tuned['best_epoch']}")
    ax3.set_yscale("log")
    ax3.yaxis.set_major_formatter(ScalarFormatter())
    ax3.yaxis.set_minor_formatter(_sparse_minor_labels())
    ax3.set(xlabel="fine-tuning epoch on the small 'real' set",
            ylabel="validation cross-entropy ('real' set)",
            title="Simulated analogue (day 52): pretraining (noise 2x the 'real'), then "
                  "fine-tuning\non a small 'real' set; test loss noisy/scratch "
                  f"{_with_interval(m, 'noisy_pretrain_to_scratch_test_loss')}\nnoisy/clean "
                  f"{_with_interval(m, 'noisy_to_clean_pretrain_test_loss')}, long/short "
                  f"{_with_interval(m, 'long_to_short_pretrain_test_loss')}")
    ax3.legend(fontsize=8)

    nl = results["noisy_labels"]
    err_label, err_pred = nl["labels"] - nl["z"], nl["prediction"] - nl["z"]
    edges = np.linspace(-8, 8, 81) * max(err_label.std(), 1e-9)
    ax4.hist(err_label, edges, histtype="step", lw=1.5, color="grey",
             label=f"noisy labels: RMSE {nl['label_rmse']:.3f}")
    ax4.hist(err_pred, edges, histtype="step", lw=1.5, color="C0",
             label=f"net trained on them: RMSE {nl['prediction_rmse']:.3f}")
    ax4.hist(nl["clean_prediction"] - nl["z"], edges, histtype="step", lw=1, ls="--",
             color="C2",
             label=f"net trained on true z: RMSE {nl['clean_label_prediction_rmse']:.3f}")
    ax4.hist(nl["classifier_prediction"] - nl["z"], edges, histtype="step", lw=1, ls=":",
             color="C3", label="classifier on true z (mean of its distribution): sigma68 "
                               f"{m['classifier_sigma68']:.3f} (regression "
                               f"{m['regression_sigma68']:.3f})")
    ax4.set_yscale("log")
    ax4.set(xlabel="error against the true z (test set)", ylabel="test objects (log scale)",
            title="Day 53 (Hinton's point) on the toy photometry: trained on noisy labels\n"
                  f"RMSE of prediction / RMSE of label "
                  f"{_with_interval(m, 'prediction_to_label_rmse_ratio')}\nday 33: "
                  f"classifier/regression sigma68 "
                  f"{_with_interval(m, 'classifier_to_regression_sigma68')}")
    ax4.legend(fontsize=8)
    fig.suptitle("Simulated analogues of the log's galaxy-distance statements "
                 "(toy photometry simulator, not the author's private data)", fontsize=12)
    save_figure(fig, path)


def _with_interval(m: dict, key: str) -> str:
    """'1.23 [1.10, 1.35]': a ratio with its bootstrap 95 % interval."""
    return f"{m[key]:.2f} [{m[key + '_low95']:.2f}, {m[key + '_high95']:.2f}]"


def plt_colors(n: int) -> list:
    """`n` colours from viridis (dark to light)."""
    from matplotlib import colormaps

    return [colormaps["viridis"](x) for x in np.linspace(0.0, 0.85, n)]


def _sparse_minor_labels():
    """Label the minor ticks of a log axis at 2 and 5 times a power of ten only."""
    from matplotlib.ticker import FuncFormatter

    def label(value, _pos):
        lead = value / 10 ** np.floor(np.log10(value))
        return f"{value:g}" if round(lead) in (2, 5) and abs(lead - round(lead)) < 1e-6 else ""

    return FuncFormatter(label)
