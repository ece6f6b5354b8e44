import json
from pathlib import Path

import numpy as np
import pytest
import torch
from mnist_folder import write_mnist
from torch import nn

from hundreddays.metrics import table_csv
from hundreddays.mnist_support import logistic_regression
from hundreddays.runner import Context, Reference
from hundreddays.studies import weight_decay as study

EQ = dict(images=128, batch_size=32, steps=20, lr=0.1, adam_lr=0.01, wd=0.1)
ONE_CYCLE = dict(pct_start=0.3, div_factor=25, final_div_factor=1e4, moms=[0.95, 0.85])
CFG = dict(wds=[0, 0.01, 0.1], hidden=16, epochs=2, batch_size=64, lr=1e-2, one_cycle=ONE_CYCLE,
           beta2=0.99, valid_images=200, train_limit=None, test_limit=None, equivalence=EQ)


pytestmark = pytest.mark.usefixtures("one_torch_thread")
REFERENCE = {
    "torch_adam_default": {"reported": 0, "compare": {"kind": "at_most"}},
    "fastai_default_wd": {"reported": 0.01, "compare": {"kind": "rel_tol", "tol": 1e-6}},
    "wd_0_1_to_0_01_valid_loss_ratio": {"reported": 1,
                                        "compare": {"kind": "at_most", "threshold": 1.05}},
}


def digits(n, seed):
    """Ten fixed random templates plus noise (a stand-in for MNIST)."""
    rng = np.random.default_rng(seed)
    templates = np.random.default_rng(99).uniform(0, 255, (10, 28, 28))
    labels = rng.integers(0, 10, n)
    images = np.clip(templates[labels] + rng.normal(0, 80, (n, 28, 28)), 0, 255)
    return images.astype(np.uint8), labels


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    (xtr, ytr), (xte, yte) = digits(600, 0), digits(200, 1)
    return write_mnist(tmp_path_factory.mktemp("mnist"), {
        "train_images": xtr, "train_labels": ytr, "test_images": xte, "test_labels": yte})


def context(folder, cfg=None, log=lambda s: None, checkpoint=None):
    return Context(study="weight_decay", cfg=cfg or CFG, seed=0, inputs={"data": str(folder)},
                   reference=Reference(REFERENCE), log=log, checkpoint=checkpoint)


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
    model = logistic_regression().double()
    for idx in study._batches(128, 32, 20, 0):
        model.zero_grad()
        nn.functional.cross_entropy(model(xt[idx]), yt[idx]).backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= 0.1 * (p.grad + 0.1 * p)
    hand = torch.cat([p.detach().flatten() for p in model.parameters()]).numpy()
    np.testing.assert_allclose(finals["sgd_weight_decay"], hand, atol=1e-12)


def test_sweep_metrics_table_and_figure(folder, tmp_path):
    result = study.run(context(folder))
    m = result["metrics"]
    assert m["loss_term_vs_optimizer_max_param_diff"] < 1e-12
    assert m["best_wd"] in (0.0, 0.01, 0.1)
    ratio = m["wd_0_1_valid_loss"] / m["wd_0_01_valid_loss"]
    assert m["wd_0_1_to_0_01_valid_loss_ratio"] == pytest.approx(ratio)
    assert m["wd_0_01_valid_accuracy"] > 0.5
    assert m["wd_0_1_valid_loss"] != m["wd_0_valid_loss"]  # the decay acts
    assert (m["train_images"], m["valid_images"]) == (400, 200)  # the last 200 validate
    rows = result["table"]
    assert rows[0]["setting"] == "torch.optim.Adam(weight_decay)" and rows[0]["log_value"] == 0
    assert rows[1]["log_value"] == ""  # AdamW's default: not in the log
    assert rows[3]["installed_default"] == pytest.approx(0.01) and rows[3]["log_value"] == 0.01
    assert table_csv(rows).startswith("setting,installed_default,log_value,")
    study.plot(result, tmp_path / "f.png", Reference(REFERENCE))
    assert (tmp_path / "f.png").stat().st_size > 10_000


class Interrupted(Exception):
    pass


def test_a_killed_sweep_resumes_each_weight_decay_from_its_own_checkpoint(folder, tmp_path):
    expected = study.run(context(folder))["metrics"]
    checkpoint = tmp_path / "weight_decay.pt"

    def stop(message):
        if message.startswith("epoch 2/2: wd 0.01:"):
            raise Interrupted

    with pytest.raises(Interrupted):
        study.run(context(folder, log=stop, checkpoint=str(checkpoint)))
    parts = sorted(p.name for p in tmp_path.iterdir())
    assert parts == ["weight_decay.wd_0.pt", "weight_decay.wd_0_01.pt"]
    messages = []
    torch.manual_seed(123)  # the resumed members restore their own RNG state
    resumed = study.run(context(folder, log=messages.append, checkpoint=str(checkpoint)))
    assert [m for m in messages if m.startswith("resumed")] == [
        f"resumed from checkpoint {tmp_path}/weight_decay.wd_0.pt after epoch 2/2",
        f"resumed from checkpoint {tmp_path}/weight_decay.wd_0_01.pt after epoch 1/2"]
    assert not any(m.startswith("epoch 1/2: wd 0.01") or ": wd 0:" in m for m in messages)
    for key, value in expected.items():
        if key != "seconds_per_epoch":
            assert resumed["metrics"][key] == value, key
    assert list(tmp_path.iterdir()) == []  # the study drops its members' checkpoints


def test_the_lessons_net_and_one_cycle_schedule():
    """Mnist_NN of lesson 5 (784-50-10), and fastai 1's one-cycle: from lr/25 up to lr over 30 %
    of the steps, down to lr/25/1e4, beta1 0.95 -> 0.85 -> 0.95."""
    from hundreddays.training import one_cycle_schedule

    net = study.lesson5_net(50)
    assert [tuple(p.shape) for p in net.parameters()] == [(50, 784), (50,), (10, 50), (10,)]
    assert net(torch.zeros(3, 28, 28)).shape == (3, 10)
    opt = torch.optim.AdamW(net.parameters(), lr=0.01, betas=(0.9, 0.99), weight_decay=0.1)
    sched = one_cycle_schedule(opt, 0.01, 100, ONE_CYCLE)
    lrs, beta1 = [], []
    for _ in range(100):
        lrs.append(opt.param_groups[0]["lr"])
        beta1.append(opt.param_groups[0]["betas"][0])
        opt.step()
        sched.step()
    assert lrs[0] == pytest.approx(0.01 / 25) and max(lrs) == pytest.approx(0.01, rel=1e-3)
    assert 28 <= int(np.argmax(lrs)) <= 30 and lrs[-1] < 0.01 / 25 / 1e3
    assert beta1[0] == pytest.approx(0.95) and min(beta1) == pytest.approx(0.85, abs=1e-3)
    assert opt.param_groups[0]["betas"][1] == 0.99


def test_bad_config_is_named(folder):
    with pytest.raises(ValueError, match="studies.weight_decay.valid_images"):
        study.run(context(folder, {**CFG, "valid_images": 600}))
    with pytest.raises(KeyError, match="one_cycle"):
        study.run(context(folder, {k: v for k, v in CFG.items() if k != "one_cycle"}))
    with pytest.raises(ValueError, match="studies.weight_decay.wds"):
        study.run(context(folder, {**CFG, "wds": [0, 0.01]}))
    with pytest.raises(KeyError, match="equivalence.*adam_lr"):
        eq = {k: v for k, v in EQ.items() if k != "adam_lr"}
        study.run(context(folder, {**CFG, "equivalence": eq}))


def test_without_mnist_the_defaults_and_the_equivalence_are_measured(tmp_path):
    """The row's data_free metrics, through the runner as the rule runs it without its data:
    the sweep is left out, and metrics.json says why."""
    from hundreddays.runner import run_study
    from hundreddays.study_table import load_studies

    row = load_studies(Path(__file__).resolve().parents[3] / "studies.yaml")["weight_decay"]
    why = "the MNIST training images cannot be read here"
    outputs = {"metrics": str(tmp_path / "metrics.json"), "figure": str(tmp_path / "f.png"),
               "table": str(tmp_path / "table.csv")}
    result = run_study("weight_decay", cfg=CFG, seed=0, threads=1, scale="full", inputs={},
                       outputs=outputs, reference=REFERENCE, table=True,
                       without_data={"reason": why, "data_free": list(row.data_free)})
    assert result["sweep"] == {} and result["data_missing"] == why
    written = json.loads((tmp_path / "metrics.json").read_text())
    assert written["not_run"] == why
    assert written["loss_term_vs_optimizer_max_param_diff"] < 1e-12
    assert written["torch_adam_default"] == 0 and written["fastai_default_wd"] == 0.01
    assert "wd_0_1_to_0_01_valid_loss_ratio" not in written
    assert (tmp_path / "f.png").stat().st_size > 10_000
    assert (tmp_path / "table.csv").read_text().startswith("setting,")


def test_the_equivalence_needs_no_images_of_a_dataset():
    first, again = study.equivalence(EQ, 0), study.equivalence(EQ, 0)
    assert first == again and first["sgd_weight_decay"] < 1e-12
    assert first["sgd_none"] > 1e-6 and first["adamw"] > 1e-9  # the contrasts do differ
    assert study.equivalence(EQ, 1)["sgd_none"] != first["sgd_none"]
