"""CamVid as fastai ships it (camvid.tgz extracted): images/, labels/<name>_P.png, codes.txt,
valid.txt. Returns the file lists and class names that the segmentation DataBlock reads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .layout import Packaging, layout_error

TOP = "camvid"
VOID = "Void"
LAYOUT = ("fastai's extracted camvid.tgz: camvid/ (or the folder itself) with images/*.png, "
          "labels/<name>_P.png, codes.txt and valid.txt")
OTHER_PACKAGINGS = (
    Packaging(("701_StillsRaw_full", "LabeledApproved_full"),
              "the original Cambridge packaging of CamVid (701_StillsRaw_full/, "
              "LabeledApproved_full/ with colour-coded label images), not fastai's camvid.tgz "
              "(images/, labels/ with class-index masks, codes.txt, valid.txt)"),
    Packaging(("trainannot", "testannot"),
              "the SegNet tutorial's packaging of CamVid (train/, trainannot/, val/, test/; 11 "
              "classes at 360x480), not fastai's camvid.tgz (32 classes, codes.txt, valid.txt)"),
    Packaging(("images", "labels", "codes.txt"),
              "fastai's camvid_tiny.tgz, which has no valid.txt (the lesson's split); the "
              "study reads camvid.tgz"),
    Packaging(("camvid*.tgz",), "the archive itself, not extracted: extract it and name the "
              "folder that holds camvid/"),
)


@dataclass(frozen=True)
class Camvid:
    """The dataset's files: `images` (sorted), class names `codes`, validation file names."""

    root: Path
    images: list[Path]
    codes: list[str]
    valid: frozenset[str]

    def label_path(self, image: Path) -> Path:
        """Return the class-index mask of `image` (labels/<stem>_P.png)."""
        return self.root / "labels" / f"{Path(image).stem}_P{Path(image).suffix}"

    def is_valid(self, image: Path) -> bool:
        """True for an image of the validation split (named in valid.txt)."""
        return Path(image).name in self.valid

    @property
    def void(self) -> int:
        """Index of the 'Void' class in codes.txt."""
        return self.codes.index(VOID)


def _read_lines(path: Path) -> list[str]:
    if not path.is_file():
        raise FileNotFoundError(f"CamVid file missing: {path}")
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def _root(folder: Path) -> Path:
    """camvid/ inside `folder` when there is one (data/camvid as extracted), else `folder`."""
    return folder / TOP if (folder / TOP).is_dir() else folder


def check_layout(folder: str | Path) -> None:
    """Raise FileNotFoundError naming what load_camvid opens first and `folder` lacks: images/,
    labels/, codes.txt, valid.txt (and, where it can tell, the other packaging it is)."""
    root = _root(Path(folder))
    missing = [f"{name}/" for name in ("images", "labels") if not (root / name).is_dir()]
    missing += [name for name in ("codes.txt", "valid.txt") if not (root / name).is_file()]
    if missing:
        raise layout_error(folder, f"CamVid {', '.join(missing)} missing in {root}", LAYOUT,
                           OTHER_PACKAGINGS)


def load_camvid(folder: str | Path) -> Camvid:
    """Read data/camvid (the folder holding camvid/) or camvid/ itself.

    Raises FileNotFoundError / ValueError naming the file for a missing folder, codes.txt without
    'Void', a valid.txt entry without an image, or an image without its _P mask."""
    check_layout(folder)
    root = _root(Path(folder))
    images_dir = root / "images"
    codes = _read_lines(root / "codes.txt")
    if VOID not in codes:
        raise ValueError(f"{root / 'codes.txt'}: no '{VOID}' class among {len(codes)} codes")
    valid = frozenset(_read_lines(root / "valid.txt"))
    images = sorted(p for p in images_dir.iterdir() if p.suffix.lower() == ".png")
    if not images:
        raise ValueError(f"{images_dir}: no .png images")
    data = Camvid(root, images, codes, valid)
    names = {p.name for p in images}
    missing = sorted(valid - names)
    if missing:
        raise ValueError(f"{root / 'valid.txt'}: {len(missing)} names without an image in "
                         f"{images_dir}, e.g. {missing[0]}")
    if not valid or len(valid) == len(images):
        raise ValueError(f"{root / 'valid.txt'}: the split leaves no training or no validation "
                         f"image ({len(valid)} of {len(images)} listed)")
    for image in images:
        if not data.label_path(image).is_file():
            raise FileNotFoundError(f"CamVid mask missing for {image.name}: "
                                    f"{data.label_path(image)}")
    return data
