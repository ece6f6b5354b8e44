"""training.fit under the cap: the steps of its epochs stop at max_steps, the epochs after are
skipped with the last record repeated, and evaluate() reads max_eval_batches batches."""

import pytest
import torch
from torch import nn

from hundreddays import rehearsal
from hundreddays.rehearsal.cap import Cap
from hundreddays.training import evaluate, fit, train_epoch

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_fit_skips_the_epochs_after_its_steps_and_keeps_the_history_long():
    torch.manual_seed(0)
    model, x, y = nn.Linear(4, 3), torch.randn(64, 4), torch.randint(0, 3, (64,))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    gen = torch.Generator().manual_seed(0)
    called = []

    def epoch(n):
        called.append(n)
        loss = train_epoch(model, opt, x, y, 16, gen, nn.functional.cross_entropy)
        return {"train_loss": loss, "test_accuracy": evaluate(model, x, y, batch_size=16)[1]}

    with rehearsal.recording(Cap(max_steps=6, max_eval_batches=1)) as rec:
        history = fit(model, opt, 5, epoch, log=lambda _: None)
        record = rec.record("ran")
    assert called == [1, 2]  # 4 steps, then 2: the budget is spent
    assert [h["epoch"] for h in history] == [1, 2, 3, 4, 5]
    assert history[2:] == [{**history[1], "epoch": n} for n in (3, 4, 5)]
    (phase,) = record["run"]["children"]
    assert (phase["steps"], phase["epochs_seen"], phase["epochs_skipped"]) == (6, 5, 3)
    assert phase["children"][0]["steps"] == 2  # one batch of each of the two evaluations
