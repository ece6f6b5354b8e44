"""Pretrained weights as a dataset folder (data/<id>/ or a local copy): the one .pth file in it,
a torch-serialized state dict that the studies load with weights_only=True."""

from __future__ import annotations

from pathlib import Path

from .layout import Packaging, layout_error

LAYOUT = "exactly one .pth file (torchvision's file, e.g. resnet34-b627a593.pth), at any depth"
OTHER_PACKAGINGS = (
    Packaging(("*.safetensors",), "safetensors weights, not the torchvision .pth file the studies "
              "read"),
    Packaging(("*.pt",), "a .pt file: the studies read torchvision's .pth file (rename it only if "
              "it is that file)"),
)


def weights_in(folder: str | Path) -> Path:
    """The one .pth weights file in a prepared weights dataset folder (data/<id>/)."""
    found = sorted(Path(folder).rglob("*.pth"))
    if len(found) != 1:
        raise layout_error(folder, f"{folder}: expected one .pth weights file, found "
                                   f"{[p.name for p in found]}", LAYOUT, OTHER_PACKAGINGS)
    return found[0]


def check_layout(folder: str | Path) -> None:
    """Raise FileNotFoundError unless `folder` holds the one .pth file weights_in returns."""
    weights_in(folder)
