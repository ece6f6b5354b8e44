import numpy as np
import pytest
import torch
import torchvision
from fastai.vision.all import (
    CategoryBlock,
    DataBlock,
    ImageBlock,
    PILImage,
    RandomSplitter,
    error_rate,
    vision_learner,
)

from hundreddays import fastai_support as fs
from hundreddays.seeds import seed_everything

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def weights_file(tmp_path_factory):
    torch.manual_seed(1)
    model = torchvision.models.resnet18(weights=None)
    path = tmp_path_factory.mktemp("weights") / "resnet18-test.pth"
    torch.save(model.state_dict(), path)
    return path, model.state_dict()


def tiny_dls(seed=0):
    rng = np.random.default_rng(0)
    images = [(rng.random((32, 32, 3)) * 255).astype("uint8") for _ in range(24)]
    block = DataBlock(blocks=(ImageBlock, CategoryBlock),
                      get_x=lambda i: PILImage.create(images[i]),
                      get_y=lambda i: "even" if i % 2 == 0 else "odd",
                      splitter=RandomSplitter(valid_pct=0.25, seed=seed))
    return block.dataloaders(list(range(24)), bs=6, **fs.dataloader_kwargs(torch.device("cpu")))


def test_pretrained_weights_come_from_the_fetched_file(weights_file):
    path, state = weights_file
    arch = fs.resnet_from_file("resnet18", path)
    with fs.no_downloads():
        learn = vision_learner(tiny_dls(), arch, pretrained=True)
    body = learn.model[0]
    assert torch.equal(body[0].weight, state["conv1.weight"])
    # fastai's meta applies: the body is frozen and ImageNet stats normalise the batches
    assert not body[0].weight.requires_grad
    assert any("Normalize" in type(t).__name__ for t in learn.dls.after_batch.fs)


def test_unpretrained_arch_needs_no_file():
    arch = fs.resnet_from_file("resnet18", None)
    learn = vision_learner(tiny_dls(), arch, pretrained=False)
    assert learn.model[0][0].weight.requires_grad
    with pytest.raises(ValueError, match="no file"):
        arch(weights="DEFAULT")


def test_bad_arch_or_missing_weights_are_named(tmp_path):
    with pytest.raises(ValueError, match="resnet_nope"):
        fs.resnet_from_file("resnet_nope", None)
    missing = tmp_path / "resnet34-b627a593.pth"
    with pytest.raises(FileNotFoundError, match="resnet34-b627a593.pth"):
        fs.resnet_from_file("resnet34", missing)


def test_implicit_downloads_are_refused_and_restored():
    import fastai.data.external as external
    import fastai.text.learner as text_learner
    import torch.hub as hub

    original = hub.load_state_dict_from_url
    with fs.no_downloads():
        with pytest.raises(RuntimeError, match="datasets.yaml"):
            hub.load_state_dict_from_url("https://download.pytorch.org/models/x.pth")
        with pytest.raises(RuntimeError, match="implicit download"):
            text_learner.untar_data("https://s3.amazonaws.com/fast-ai-modelzoo/wt103-fwd")
        with pytest.raises(RuntimeError, match="implicit download"):
            torchvision.models.resnet18(weights="DEFAULT")
    assert hub.load_state_dict_from_url is original
    assert text_learner.untar_data is external.untar_data


def test_epoch_log_times_each_epoch_per_phase(capsys):
    seed_everything(0, 1)
    log = fs.EpochLog(every=2)
    learn = vision_learner(tiny_dls(), fs.resnet_from_file("resnet18", None), pretrained=False,
                           metrics=error_rate, cbs=[log])
    log.phase = "frozen"
    learn.fit(2, 1e-3)
    log.phase = "unfrozen"
    learn.fit(1, 1e-4)
    assert log.phases == ["frozen", "frozen", "unfrozen"]
    assert all(s > 0 for s in log.seconds)
    assert fs.seconds_per_epoch(log, "unfrozen") == log.seconds[2]
    out = capsys.readouterr().out
    assert "[frozen] epoch 2/2 train_loss" in out and "error_rate" in out
    assert "[unfrozen] epoch 1/1 batch 2/3" in out
    with pytest.raises(ValueError, match="phase 'other'"):
        fs.seconds_per_epoch(log, "other")
    learn.get_preds()  # runs epoch events outside a fit: neither timed nor printed
    assert len(log.seconds) == 3


def test_same_seed_same_training():
    def train():
        seed_everything(3, 1)
        learn = vision_learner(tiny_dls(), fs.resnet_from_file("resnet18", None),
                               pretrained=False)
        learn.fit(1, 1e-3)
        return [p.detach().clone() for p in learn.model.parameters()]

    first, second = train(), train()
    assert all(torch.equal(a, b) for a, b in zip(first, second, strict=True))


def test_weights_in_finds_the_one_pth(tmp_path):
    with pytest.raises(FileNotFoundError, match="expected one .pth"):
        fs.weights_in(tmp_path)
    (tmp_path / "resnet34-b627a593.pth").write_bytes(b"x")
    assert fs.weights_in(tmp_path).name == "resnet34-b627a593.pth"


def test_quiet_keeps_fastai_bars_and_raw_rows_out_of_the_log(capsys):
    seed_everything(0, 1)
    log = fs.EpochLog(every=0)
    learn = fs.quiet(vision_learner(tiny_dls(), fs.resnet_from_file("resnet18", None),
                                    pretrained=False, metrics=error_rate, cbs=[log]))
    learn.fit(1, 1e-3)
    learn.get_preds()
    out = capsys.readouterr().out
    assert "[fit] epoch 1/1 train_loss" in out  # EpochLog's line
    assert "█" not in out and "train_loss  valid_loss" not in out  # no bar, no header row
