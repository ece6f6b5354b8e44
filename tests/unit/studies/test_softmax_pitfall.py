import math

import numpy as np
import pytest
import torch
from scipy.special import logsumexp

from hundreddays.runner import Context, Reference
from hundreddays.seeds import seed_everything
from hundreddays.studies import softmax_pitfall as study
from hundreddays.study_table import Study, StudyTableError, validate_config

CFG = dict(n_train=1500, n_test=300, dim=20, classes=10, separation=1.0, hidden=64, epochs=3,
           batch_size=64, lr=1e-3, check_logits=200, check_scale=10.0)


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


def test_extra_softmax_keeps_the_loss_above_its_floor(tmp_path):
    result = run(CFG)
    m = result["metrics"]
    assert m["ce_equals_nll_of_log_softmax"] == 1
    assert m["double_softmax_train_loss"] > m["double_softmax_loss_floor"]
    assert m["single_softmax_train_loss"] < m["double_softmax_loss_floor"]
    assert m["double_to_single_softmax_loss_ratio"] > 1.5
    assert m["single_softmax_test_accuracy"] > 0.8
    # "spoils the training" is the test accuracy lost after the same epochs, same test set
    assert len(result["single"]) == len(result["double"]) == CFG["epochs"] == m["epochs"]
    assert m["single_softmax_test_accuracy"] == result["single"][-1]["test_accuracy"]
    assert m["double_softmax_test_accuracy"] == result["double"][-1]["test_accuracy"]
    assert m[study.LOST] == m["single_softmax_test_accuracy"] - m["double_softmax_test_accuracy"]
    assert m["single_softmax_train_loss"] < result["single"][0]["train_loss"]
    small = {**CFG, "n_train": 300, "epochs": 1}
    a, b = (run(small, seed=1)["metrics"] for _ in range(2))
    assert a["double_softmax_train_loss"] == b["double_softmax_train_loss"]
    study.plot(result, tmp_path / "f.png", Reference({}))
    assert (tmp_path / "f.png").stat().st_size > 10_000
    claim = {study.LOST: {"reported": 1, "compare": {"kind": "at_least", "threshold": 0.01}}}
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
