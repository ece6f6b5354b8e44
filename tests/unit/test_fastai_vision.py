"""fastai_vision: the recipe's dataloaders and learner (pets, onnx_export) and the lesson-3
encoder (camvid, head_pose)."""


import pytest
import torch
import torchvision
from miniatures import pets_images

from hundreddays import fastai_vision as fv
from hundreddays.loaders.pets import breed_of
from hundreddays.studies.pets import split_names

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return pets_images(tmp_path_factory.mktemp("pets"))


def recipe_for(files):
    from fastai.vision.core import imagenet_stats

    return {"arch": "resnet18", "pretrained": False, "item_size": 40, "size": 32,
            "mean": list(imagenet_stats[0]), "std": list(imagenet_stats[1]),
            "vocab": sorted({breed_of(f) for f in files}),
            "valid_files": split_names(files, 0.2, seed=0)}


def test_dataloaders_follow_the_recipe(files):
    recipe = recipe_for(files)
    dls = fv.make_dataloaders(files, recipe, "cpu", bs=8)
    assert sorted(p.name for p in dls.valid_ds.items) == recipe["valid_files"]
    assert len(dls.train_ds) + len(dls.valid_ds) == len(files)
    assert list(dls.vocab) == recipe["vocab"]
    x, y = dls.valid.one_batch()
    assert x.shape == (8, 3, 32, 32) and x.device.type == "cpu"
    names = [dls.vocab[int(i)] for i in y]
    assert names == [breed_of(p) for p in dls.valid_ds.items[:8]]  # lesson 1's regex labels


def test_dataloaders_name_a_missing_validation_file(files):
    recipe = recipe_for(files)
    recipe["valid_files"] = [*recipe["valid_files"], "Sphynx_999.jpg"]
    with pytest.raises(ValueError, match="Sphynx_999.jpg"):
        fv.make_dataloaders(files, recipe, "cpu", bs=8)


def test_learner_from_the_recipe(files, tmp_path):
    recipe = recipe_for(files)
    dls = fv.make_dataloaders(files, recipe, torch.device("cpu"), bs=8)
    learn = fv.make_learner(dls, recipe, None, tmp_path, mixed=False)
    assert [m.name for m in learn.metrics] == ["error_rate", "accuracy"]
    assert learn.path == tmp_path
    x, _ = dls.valid.one_batch()
    assert learn.model.eval()(x).shape == (8, len(dls.vocab))


def test_encoder_is_the_tiny_cnn_or_a_resnet(tmp_path):
    assert fv.encoder("tiny", None, False) is fv.tiny_encoder
    net = fv.tiny_encoder()
    assert net(torch.zeros(1, 3, 64, 64)).shape == (1, 1000)
    with pytest.raises(ValueError, match="pretrained: false"):
        fv.tiny_encoder(pretrained=True)
    torch.manual_seed(0)
    state = torchvision.models.resnet18(weights=None).state_dict()
    torch.save(state, tmp_path / "r18.pth")
    pretrained = fv.encoder("resnet18", tmp_path / "r18.pth", True)(pretrained=True)
    assert torch.equal(pretrained.conv1.weight, state["conv1.weight"])
    unpretrained = fv.encoder("resnet18", tmp_path / "r18.pth", False)  # the file is ignored
    with pytest.raises(ValueError, match="no file"):
        unpretrained(pretrained=True)


@pytest.mark.parametrize("study", ["pets", "onnx_export", "camvid", "head_pose"])
def test_studies_import_fastai_before_the_runner_seeds(study):
    """Importing fastai draws from Python's random (fastai 2.8): a study that imported it first
    inside run(), after the runner seeds, would train on other draws than its old script did
    (every demo metric of these four studies changed that way). So the module imports
    fastai_support, which imports fastai, at its top."""
    import ast
    import importlib

    module = importlib.import_module(f"hundreddays.studies.{study}")
    tree = ast.parse(open(module.__file__, encoding="utf-8").read())
    top = {node.module for node in tree.body if isinstance(node, ast.ImportFrom)}
    assert "fastai_support" in top

