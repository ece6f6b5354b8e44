"""fastai vision pieces shared by several studies: the image classifier built from a plain recipe
dict (pets trains it and writes the recipe as model.json; onnx_export rebuilds the same learner
and preprocessing from it without unpickling anything) and the encoder of the lesson-3 learners
(camvid's U-Net, head_pose's regressor): a torchvision ResNet or, for the demo, a tiny CNN.

A recipe holds: arch (torchvision ResNet name), pretrained, valid_files (the names of the
validation images), vocab (the sorted class names, or None to derive them), item_size, size,
mean, std. Labels come from the file names with lesson 1's regex (loaders.pets.breed_of)."""

from __future__ import annotations

from pathlib import Path

import torch

# fastai_support at the top: importing fastai draws from Python's random, so it must come
# before the runner seeds (hundreddays.runner imports a study, then seeds, then runs it).
from .fastai_support import (
    dataloader_kwargs,
    mixed_precision,
    quiet,
    resnet_from_file,
    v1_learner_kwargs,
)
from .loaders.pets import breed_of


def make_dataloaders(files: list[Path], recipe: dict, device: torch.device | str, bs: int):
    """Return fastai DataLoaders for `files` following `recipe` (valid_files, vocab, item_size,
    size, mean, std): labels by lesson 1's regex, Resize(item_size) per item (centre crop on
    validation), aug_transforms(size) and Normalize per batch."""
    from fastai.data.block import CategoryBlock, DataBlock
    from fastai.data.transforms import FuncSplitter, Normalize
    from fastai.vision.augment import Resize, aug_transforms
    from fastai.vision.data import ImageBlock


    valid = set(recipe["valid_files"])
    missing = valid - {f.name for f in files}
    if missing:
        raise ValueError(f"valid_files names {len(missing)} images absent from the data, "
                         f"e.g. {sorted(missing)[0]}")
    block = DataBlock(
        blocks=(ImageBlock, CategoryBlock(vocab=recipe.get("vocab"))),
        get_items=lambda _: list(files),
        splitter=FuncSplitter(lambda p: Path(p).name in valid),
        get_y=breed_of,  # lesson 1's regex on the file name
        item_tfms=Resize(recipe["item_size"]),
        batch_tfms=[*aug_transforms(size=recipe["size"]),
                    Normalize.from_stats(recipe["mean"], recipe["std"])],
    )
    return block.dataloaders(None, bs=bs, **dataloader_kwargs(torch.device(device)))


def make_learner(dls, recipe: dict, weights: str | Path | None, workdir: str | Path,
                 mixed: bool = True):
    """Return fastai's vision_learner for `recipe['arch']` with error_rate and accuracy metrics;
    pretrained from the fetched ImageNet `weights` file when recipe['pretrained']; in mixed
    precision on CUDA when `mixed`. The learner's files (the LR finder's) go to `workdir`."""
    import fastai.callback.schedule  # noqa: F401 (patches fit_one_cycle, lr_find onto Learner)
    from fastai.metrics import accuracy, error_rate
    from fastai.vision.learner import vision_learner


    pretrained = bool(recipe["pretrained"])
    arch = resnet_from_file(recipe["arch"], weights if pretrained else None)
    learn = vision_learner(dls, arch, pretrained=pretrained, metrics=[error_rate, accuracy],
                           path=Path(workdir), model_dir="models", **v1_learner_kwargs())
    quiet(learn)
    return mixed_precision(learn) if mixed else learn


def tiny_encoder(pretrained: bool = False, **kwargs) -> torch.nn.Module:
    """A small unpretrained CNN for the demo: 5 stride-2 stages (16-128 channels), then pooling
    (fastai's unet_learner and vision_learner cut it before the pooling layer, as a ResNet)."""
    if pretrained:
        raise ValueError("the tiny encoder has no pretrained weights; set pretrained: false")
    nn = torch.nn

    def stage(c_in, c_out):
        return nn.Sequential(nn.Conv2d(c_in, c_out, 3, 2, 1, bias=False), nn.BatchNorm2d(c_out),
                             nn.ReLU(inplace=True), nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False),
                             nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))

    return nn.Sequential(stage(3, 16), stage(16, 32), stage(32, 64), stage(64, 128),
                         stage(128, 128), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(128, 1000))


def encoder(name: str, weights: str | Path | None, pretrained: bool):
    """The `arch` of a lesson-3 learner: 'tiny' (demo) or a torchvision ResNet whose ImageNet
    weights are read from the fetched file `weights` when `pretrained`."""
    if name == "tiny":
        return tiny_encoder
    return resnet_from_file(name, weights if pretrained else None)
