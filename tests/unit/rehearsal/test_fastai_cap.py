"""The cap inside fastai's loop: a fit stops at the phase's budget and skips its later epochs
(their Recorder rows repeat the last measured one), validation passes are cut, lr_find too."""

import pytest

from hundreddays import rehearsal
from hundreddays.rehearsal.cap import Cap
from hundreddays.rehearsal.record import study_recording

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _learner(path=".", n=64, bs=8):
    import torch
    from fastai.data.core import DataLoaders
    from fastai.learner import Learner
    from torch.utils.data import TensorDataset

    from hundreddays.fastai_support import EpochLog, quiet

    torch.manual_seed(0)
    x = torch.randn(n, 3)
    y = x @ torch.tensor([1.0, -2.0, 0.5]) + 0.1
    train, valid = TensorDataset(x[:48], y[:48]), TensorDataset(x[48:], y[48:])
    dls = DataLoaders.from_dsets(train, valid, bs=bs, num_workers=0, device="cpu")
    log = EpochLog(every=0)
    learn = Learner(dls, torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0)),
                    loss_func=torch.nn.functional.mse_loss, cbs=[log], path=path)
    return quiet(learn), log


def test_a_fit_takes_its_budget_then_skips_epochs_keeping_the_history_long(tmp_path):
    import fastai.callback.schedule  # noqa: F401 (fit_one_cycle, lr_find)

    path = tmp_path / "rec.json"
    with study_recording("toy", {"max_steps": 3, "max_eval_batches": 1}, path, {}):
        learn, log = _learner(tmp_path)  # lr_find saves the weights under path/models
        log.phase = "frozen"
        learn.fit_one_cycle(4, 1e-2)
        values = [list(v) for v in learn.recorder.values]
        preds, targets = learn.get_preds()
        learn.lr_find(num_it=20, show_plot=False, suggest_funcs=None)
        sweep = len(learn.recorder.losses)
    assert len(values) == 4 and values[1:] == [values[0]] * 3  # epoch 1 measured, 2-4 skipped
    assert len(preds) == len(targets) == 16  # one item each, as without the cap,
    assert (preds[8:] == preds[:8]).all()  # but one batch computed: the rest repeats it
    assert sweep == 3
    import json

    run = json.loads(path.read_text())["run"]
    frozen, predict, lr_find = run["children"]
    assert (frozen["name"], frozen["steps"], frozen["epochs_seen"], frozen["epochs_skipped"]) == (
        "frozen", 3, 4, 3)
    assert (frozen["items"], frozen["batch_size"], frozen["drop_last"]) == (48, 8, True)
    assert frozen["children"][0]["steps"] == 1  # the validation of epoch 1
    assert (predict["kind"], predict["steps"], predict["items"]) == ("eval", 1, 16)
    assert (lr_find["name"], lr_find["steps"], lr_find["full"]) == ("lr_find", 3, 20)
    assert len(log.seconds) == 2  # skipped epochs are no epochs of the log (fit, lr_find: 1 each)


def test_without_a_rehearsal_fastai_is_untouched():
    from fastai.learner import defaults

    from hundreddays.rehearsal.fastai_cap import RehearsalCap

    learn, _ = _learner()
    learn.fit(2, 1e-2)
    assert len(learn.recorder.values) == 2
    assert RehearsalCap not in defaults.callbacks
    assert rehearsal.active() is None


def test_the_cap_is_installed_only_while_recording():
    from fastai.learner import defaults

    from hundreddays.rehearsal.fastai_cap import RehearsalCap

    with rehearsal.recording(Cap()):
        pass
    assert RehearsalCap not in defaults.callbacks
