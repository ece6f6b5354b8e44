import numpy as np
import pytest
import torch
from torch import nn

from hundreddays import checkpoint as ckpt
from hundreddays.training import fit, part_checkpoint, train_classifier, train_epoch


class Interrupted(Exception):
    pass


def data(seed=0, n=256):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 8, generator=g)
    y = (x[:, 0] + x[:, 1] > 0).long()
    return x, y


def model():
    torch.manual_seed(1)
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 2))


def train(net, path, log=lambda _: None):
    return train_classifier(net, data(0), data(1, 64), epochs=3, batch_size=32, lr=0.01, seed=0,
                            log=log, checkpoint=path)


def stop_at_epoch_3(message):
    if message.startswith("epoch 3/"):
        raise Interrupted


def test_an_interrupted_run_resumes_to_the_same_weights(tmp_path):
    reference = model()
    expected = train(reference, None)
    path = tmp_path / "ckpt.pt"
    with pytest.raises(Interrupted):
        train(model(), path, log=stop_at_epoch_3)
    assert torch.load(path, weights_only=True)["history"][-1]["epoch"] == 2
    messages = []
    torch.manual_seed(12345)  # the resumed run restores the torch RNG (dropout) itself
    resumed = model()
    history = train(resumed, path, log=messages.append)
    assert any(m.startswith("resumed from checkpoint") and "after epoch 2/3" in m
               for m in messages)
    assert [h["epoch"] for h in history] == [1, 2, 3]
    assert history[-1]["test_loss"] == pytest.approx(expected[-1]["test_loss"], abs=1e-6)
    for a, b in zip(reference.state_dict().values(), resumed.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b)


def test_a_checkpoint_of_other_settings_or_a_broken_file_is_ignored(tmp_path):
    path = tmp_path / "ckpt.pt"
    ckpt.save(path, {"fingerprint": "another run", "history": []})
    messages = []
    assert ckpt.load(path, "this run", messages.append) is None
    assert "another configuration" in messages[0]
    path.write_bytes(b"not a checkpoint")
    assert ckpt.load(path, "this run", messages.append) is None
    assert "unreadable" in messages[1]
    ckpt.remove(path)
    assert not path.exists()


def fit_with_state(path, log=lambda _: None, epochs=4):
    """A generic loop on training.fit: SGD with a step scheduler, dropout, a batch-order generator
    and a caller's state (the best weights so far), as the studies keep it."""
    net = model()
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    gen = torch.Generator().manual_seed(0)
    x, y = data(0)
    state = {"best_loss": float("inf"), "best": None, "epochs_trained": 0}

    def epoch(_n):
        loss = train_epoch(net, opt, x, y, 32, gen, nn.functional.cross_entropy)
        lr = scheduler.get_last_lr()[0]
        scheduler.step()
        state["epochs_trained"] += 1
        if loss < state["best_loss"]:
            state.update(best_loss=loss, best={k: v.clone() for k, v in net.state_dict().items()})
        return {"loss": np.float64(loss), "lr": lr}  # a NumPy number is stored as a plain one

    history = fit(net, opt, epochs, epoch, checkpoint=path, settings={"case": "state"},
                  gen=gen, scheduler=scheduler, state=state, log=log)
    return net, history, state


def test_fit_resumes_scheduler_state_and_generators_to_the_same_weights(tmp_path):
    reference, expected, expected_state = fit_with_state(None)
    assert [h["lr"] for h in expected] == [0.1, 0.05, 0.025, 0.0125]
    path = tmp_path / "fit.pt"

    def stop(message):
        if message.startswith("epoch 3/"):
            raise Interrupted

    with pytest.raises(Interrupted):
        fit_with_state(str(path), log=stop)
    saved = torch.load(path, weights_only=True)
    assert saved["history"][-1]["epoch"] == 2 and type(saved["history"][-1]["loss"]) is float
    assert saved["state"]["best"] is not None
    torch.manual_seed(12345)
    messages = []
    resumed, history, state = fit_with_state(str(path), log=messages.append)
    assert "resumed from checkpoint" in messages[0] and "after epoch 2/4" in messages[0]
    assert [h["lr"] for h in history] == [h["lr"] for h in expected]
    assert [h["loss"] for h in history] == [h["loss"] for h in expected]
    assert state["best_loss"] == expected_state["best_loss"] and state["epochs_trained"] == 4
    for a, b in zip(expected_state["best"].values(), state["best"].values(), strict=True):
        torch.testing.assert_close(a, b)
    for a, b in zip(reference.state_dict().values(), resumed.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    messages.clear()  # a finished run's checkpoint: nothing left to train
    again, history, _ = fit_with_state(str(path), log=messages.append)
    assert len(messages) == 1 and "after epoch 4/4" in messages[0] and len(history) == 4
    torch.testing.assert_close(again.state_dict(), reference.state_dict(), rtol=0, atol=0)


def test_fit_needs_settings_with_a_checkpoint_and_part_checkpoints_sit_beside_it(tmp_path):
    net = model()
    with pytest.raises(ValueError, match="settings"):
        fit(net, torch.optim.SGD(net.parameters(), lr=0.1), 1, lambda n: {},
            checkpoint=str(tmp_path / "x.pt"))
    assert part_checkpoint(None, "mse") is None
    assert part_checkpoint("results/checkpoints/gp.pt", "mse") == "results/checkpoints/gp.mse.pt"
