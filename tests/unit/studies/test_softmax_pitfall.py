import math

import numpy as np
import pytest
import torch
from scipy.special import logsumexp

from hundreddays.runner import Context, Reference
from hundreddays.seeds import seed_everything
from hundreddays.studies import softmax_pitfall as study
from hundreddays.study_table import Study, StudyTableError, validate_config

CFG = dict(bands=6, z_max=1.5, classes=12, flux_noise=0.05, n_train=1500, n_test=400, hidden=32,
           epochs=3, batch_size=128, lr=1e-3, check_logits=200, check_scale=10.0)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def run(cfg: dict, seed: int = 0) -> dict:
    """run() as the runner calls it: after seeding (the initial weights come from torch)."""
    seed_everything(seed)
    return study.run(Context(study="softmax_pitfall", cfg=cfg, seed=seed, log=lambda s: None))


def test_cross_entropy_is_nll_of_log_softmax_against_numpy():
    check = study.cross_entropy_check(500, 7, 10.0, seed=2)
    assert check["equal"] and check["max_abs_diff"] < 1e-12
    assert check["extra_softmax_max_abs_diff"] > 1.0  # an extra softmax changes the loss
    gen = torch.Generator().manual_seed(5)
    z = torch.randn(50, 7, generator=gen, dtype=torch.float64) * 10
    y = torch.randint(0, 7, (50,), generator=gen)
    ours = torch.nn.CrossEntropyLoss(reduction="none")(z, y).numpy()
    zn = z.numpy()
    reference = logsumexp(zn, axis=1) - zn[np.arange(50), y.numpy()]
    np.testing.assert_allclose(ours, reference, rtol=1e-12)


@pytest.mark.parametrize("k", [2, 10, 100])
def test_double_softmax_floor_is_reached_by_one_hot_logits(k):
    z = torch.zeros(1, k, dtype=torch.float64)
    z[0, 0] = 60.0  # softmax(z) is one-hot on class 0 up to exp(-60)
    loss = torch.nn.CrossEntropyLoss()(torch.softmax(z, 1), torch.tensor([0])).item()
    assert loss == pytest.approx(study.double_softmax_floor(k), abs=1e-12)
    assert study.double_softmax_floor(k) < math.log(k)
    p = np.array([0.2, 0.7, 1.0])
    probs = torch.tensor([[pi] + [(1 - pi) / (k - 1)] * (k - 1) for pi in p])
    expected = torch.nn.CrossEntropyLoss(reduction="none")(probs, torch.zeros(3, dtype=int))
    np.testing.assert_allclose(study.double_softmax_loss(p, k), expected.numpy(), rtol=1e-12)


def test_log_probabilities_of_the_extra_softmax_net_are_exact_where_its_output_underflows():
    inner = torch.nn.Linear(2, 3)
    with torch.no_grad():
        inner.weight.zero_()
        inner.bias.copy_(torch.tensor([0.0, -200.0, -5.0]))  # softmax: class 1 underflows to 0
    double = torch.nn.Sequential(inner, torch.nn.Softmax(dim=1))
    x = torch.zeros(4, 2)
    assert double(x)[0, 1].item() == 0.0  # what a clamp would have to guess
    log_p = study.log_probabilities(double, x, extra_softmax=True)
    np.testing.assert_allclose(log_p[0].numpy(), torch.log_softmax(inner.bias, 0).detach(),
                               rtol=1e-6)
    assert torch.isfinite(log_p).all()
    np.testing.assert_allclose(study.log_probabilities(inner, x, extra_softmax=False), log_p)


def test_scores_tell_a_calibrated_distribution_from_an_overconfident_one():
    """The judged ratio can come out either way: an overconfident net with the same argmax has
    the higher NLL; the same distribution gives a ratio of 1 (not spoiled)."""
    y = torch.tensor([0, 0, 0, 1])  # the true class is 0 three times out of four
    honest = torch.log(torch.tensor([[0.75, 0.25]] * 4))
    sure = torch.log(torch.tensor([[0.99, 0.01]] * 4))
    a, b = study.scores(honest, y), study.scores(sure, y)
    assert a["accuracy"] == b["accuracy"] == 0.75  # same predicted class
    assert a["nll"] == pytest.approx(-(3 * math.log(0.75) + math.log(0.25)) / 4)
    assert b["nll"] / a["nll"] > 1.1 and b["confidence"] == pytest.approx(0.99)
    assert study.scores(honest, y)["nll"] / a["nll"] == 1.0
    rel = study.reliability(honest, y)
    assert rel["count"].sum() == 4 and rel["count"][7] == 4  # confidence 0.75: the 8th bin
    assert rel["accuracy"][7] == pytest.approx(0.75) and rel["confidence"][7] == pytest.approx(0.75)


def test_both_nets_start_alike_and_the_metrics_are_the_nets_scores(tmp_path):
    result = run(CFG)
    m = result["metrics"]
    assert m["ce_equals_nll_of_log_softmax"] == 1
    assert len(result["single"]) == len(result["double"]) == CFG["epochs"] == m["epochs"]
    assert m["single_softmax_test_nll"] == result["single"][-1]["test_nll"]
    assert m["double_softmax_test_nll"] == result["double"][-1]["test_nll"]
    assert m[study.RATIO] == m["double_softmax_test_nll"] / m["single_softmax_test_nll"]
    assert m[study.LOST] == m["single_softmax_test_accuracy"] - m["double_softmax_test_accuracy"]
    assert m["double_softmax_train_loss"] > m["double_softmax_loss_floor"]
    assert m["single_softmax_test_nll"] < math.log(CFG["classes"])  # it learned something
    assert m["test_galaxies"] == CFG["n_test"] and m["train_galaxies"] == CFG["n_train"]
    small = {**CFG, "n_train": 300, "epochs": 1}
    a, b = (run(small, seed=1)["metrics"] for _ in range(2))
    assert a["double_softmax_test_nll"] == b["double_softmax_test_nll"]
    # the same initial weights: before any step both nets give the same class probabilities
    seed_everything(3)
    data = study.make_data(CFG, 3)
    single = study.mlp(CFG["bands"], CFG["hidden"], CFG["classes"])
    double = torch.nn.Sequential(study.copy.deepcopy(single), torch.nn.Softmax(dim=1))
    x = data["test"][0][:5]
    np.testing.assert_allclose(study.log_probabilities(single, x, False),
                               study.log_probabilities(double, x, True))
    study.plot(result, tmp_path / "f.png", Reference({}))
    assert (tmp_path / "f.png").stat().st_size > 10_000
    claim = {study.RATIO: {"reported": 1, "compare": {"kind": "at_least", "threshold": 1.1}}}
    study.plot(result, tmp_path / "g.png", Reference(claim))  # with the spoiled level drawn
    assert (tmp_path / "g.png").stat().st_size > 10_000


def test_the_schema_names_the_bad_key():
    """The workflow checks the block against schemas/studies/softmax_pitfall.yaml first."""
    table = {"softmax_pitfall": Study(id="softmax_pitfall", day="28, 35", title="t")}
    validate_config({"studies": {"softmax_pitfall": CFG}}, table)
    for bad, key in (({k: v for k, v in CFG.items() if k != "hidden"}, "hidden"),
                     ({**CFG, "classes": 1}, "classes")):
        with pytest.raises(StudyTableError, match=f"studies.softmax_pitfall.*{key}"):
            validate_config({"studies": {"softmax_pitfall": bad}}, table)
