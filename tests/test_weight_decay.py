import csv
import io

import numpy as np
import pytest
import torch
from torch import nn

from hundreddays.studies import weight_decay as study

EQ = dict(images=128, batch_size=32, steps=20, lr=0.1, adam_lr=0.01, wd=0.1)
CFG = dict(wds=[0, 0.01, 0.1], epochs=2, batch_size=64, lr=1e-2, train_limit=None,
           test_limit=None, equivalence=EQ)


pytestmark = pytest.mark.usefixtures("one_torch_thread")



def digits(n, seed):
    """Ten fixed random templates plus noise (a stand-in for MNIST)."""
    rng = np.random.default_rng(seed)
    templates = np.random.default_rng(99).uniform(0, 255, (10, 28, 28))
    labels = rng.integers(0, 10, n)
    images = np.clip(templates[labels] + rng.normal(0, 80, (n, 28, 28)), 0, 255)
    return images.astype(np.uint8), labels


def data():
    (xtr, ytr), (xte, yte) = digits(600, 0), digits(200, 1)
    return {"train_images": xtr, "train_labels": ytr, "test_images": xte, "test_labels": yte}


def test_defaults_agree_with_constructed_optimizers():
    import fastai.optimizer

    d = study.library_defaults()
    p = [nn.Parameter(torch.zeros(2))]
    assert d["torch_adam_default"] == torch.optim.Adam(p).defaults["weight_decay"] == 0
    assert d["torch_adamw_default"] == torch.optim.AdamW(p).defaults["weight_decay"]
    assert d["torch_sgd_default"] == torch.optim.SGD(p, lr=0.1).defaults["weight_decay"]
    opt_func = study.parameter_default(__import__("fastai.learner").learner.Learner, "opt_func")
    assert opt_func is fastai.optimizer.Adam
    assert d["fastai_default_wd"] == opt_func(p, lr=1e-3).hypers[0]["wd"] == pytest.approx(0.01)
    assert len(d["table"]) == 4
    with pytest.raises(ValueError, match="no default"):
        study.parameter_default(lambda x: x, "x")


def test_loss_term_equals_sgd_weight_decay_and_a_hand_written_step():
    x, y = digits(128, 3)
    xt = torch.from_numpy(x.astype(np.float64) / 255)
    yt = torch.from_numpy(y.astype(np.int64))
    finals = study.decay_paths(xt, yt, wd=0.1, lr=0.1, adam_lr=0.01, steps=20, batch_size=32,
                               seed=0)
    assert np.abs(finals["sgd_loss_term"] - finals["sgd_weight_decay"]).max() < 1e-12
    assert np.abs(finals["adam_loss_term"] - finals["adam_weight_decay"]).max() < 1e-12
    assert np.abs(finals["sgd_none"] - finals["sgd_weight_decay"]).max() > 1e-3
    assert np.abs(finals["adamw"] - finals["adam_loss_term"]).max() > 1e-3  # decoupled differs
    # reference: p <- p - lr (grad CE + wd p), written out by hand on the same batches
    torch.manual_seed(0)
    model = study.logistic_regression().double()
    for idx in study._batches(128, 32, 20, 0):
        model.zero_grad()
        nn.functional.cross_entropy(model(xt[idx]), yt[idx]).backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= 0.1 * (p.grad + 0.1 * p)
    hand = torch.cat([p.detach().flatten() for p in model.parameters()]).numpy()
    np.testing.assert_allclose(finals["sgd_weight_decay"], hand, atol=1e-12)


def test_sweep_metrics_table_and_figure(tmp_path):
    result = study.run(data(), CFG, seed=0, log=lambda s: None)
    m = result["metrics"]
    assert m["loss_term_vs_optimizer_max_param_diff"] < 1e-12
    assert m["best_wd"] in (0.0, 0.01, 0.1)
    ratio = m["wd_0_1_valid_loss"] / m["wd_0_01_valid_loss"]
    assert m["wd_0_1_to_0_01_valid_loss_ratio"] == pytest.approx(ratio)
    assert m["wd_0_01_valid_accuracy"] > 0.5
    assert m["wd_0_1_valid_loss"] != m["wd_0_valid_loss"]  # the decay acts
    rows = list(csv.DictReader(io.StringIO(study.defaults_csv(result["defaults"]["table"]))))
    assert rows[0]["setting"] == "torch.optim.Adam(weight_decay)"
    assert float(rows[3]["installed_default"]) == pytest.approx(0.01)
    study.plot(result, tmp_path / "f.png")
    assert (tmp_path / "f.png").stat().st_size > 10_000


def test_bad_config_is_named():
    with pytest.raises(ValueError, match="studies.weight_decay.wds"):
        study.run(data(), {**CFG, "wds": [0, 0.01]}, seed=0)
    with pytest.raises(KeyError, match="equivalence.*adam_lr"):
        eq = {k: v for k, v in EQ.items() if k != "adam_lr"}
        study.run(data(), {**CFG, "equivalence": eq}, seed=0)
