import pytest
import torch
from torch import nn

from hundreddays import checkpoint as ckpt
from hundreddays.training import train_classifier


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
