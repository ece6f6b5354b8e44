"""IMDB reviews from the extracted imdb.tgz, and the WikiText-103 AWD-LSTM from wt103-fwd.tgz.

IMDB: <root>/imdb/{train,test}/{pos,neg}/<id>_<rating>.txt and <root>/imdb/unsup/*.txt, read into
one table (text, label, split) in sorted file order.

WT103: the archive holds one *.pth (a state dict of tensors, read with weights_only=True) and one
*.pkl, the vocabulary (a pickled list of str). That pickle is never unpickled: `read_vocab` walks
its opcodes with pickletools.genops (which only parses) and builds the list itself, accepting only
the opcodes a list of str can need; anything else (a global, a reduce: code) is an error.
"""

from __future__ import annotations

import pickletools
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .layout import Packaging, layout_error

if TYPE_CHECKING:
    import torch

TOP = "imdb"
LABELS = ("neg", "pos")
SPLITS = ("train", "test")
LAYOUT = ("fastai's extracted imdb.tgz: imdb/ with train/pos/, train/neg/, test/pos/, "
          "test/neg/ and unsup/, one *.txt review a file")
OTHER_PACKAGINGS = (
    Packaging(("train/unsup",), "Stanford's aclImdb_v1.tar.gz (aclImdb/, the unlabelled reviews "
              "in train/unsup/), not fastai's imdb.tgz, which holds the same reviews as imdb/ "
              "with unsup/ beside train/ and test/"),
    Packaging(("train/pos", "test/neg"), "the imdb/ folder itself: name the folder that holds "
              "imdb/"),
    Packaging(("texts.csv",), "fastai's imdb_sample.tgz (texts.csv, 1,000 reviews), not imdb.tgz"),
    Packaging(("imdb.tgz",), "the archive itself, not extracted: extract it and name the folder "
              "that holds imdb/"),
)
WT103_LAYOUT = ("fastai's extracted wt103-fwd.tgz: exactly one *.pth (the weights) and one *.pkl "
                "(the vocabulary), in the folder or below it")
WT103_PACKAGINGS = (
    Packaging(("*.tgz",), "an archive, not extracted: extract wt103-fwd.tgz and name the folder "
              "that holds its files"),
)


def _folder(path: Path) -> Path:
    if not path.is_dir():
        parent = path.parent
        found = sorted(p.name for p in parent.iterdir()) if parent.is_dir() else None
        raise FileNotFoundError(f"IMDB folder {path} does not exist; {parent} holds "
                                f"{found if found is not None else 'nothing (no such folder)'}")
    return path


def _read(files: list[Path]) -> list[str]:
    texts = []
    for file in files:
        try:
            texts.append(file.read_text(encoding="utf-8"))
        except UnicodeDecodeError as error:
            raise ValueError(f"IMDB review {file} is not UTF-8 text: {error}") from error
    return texts


def check_layout(root: str | Path, unsup: bool = True) -> None:
    """Raise FileNotFoundError naming the folders of <root>/imdb that load_imdb reads and that
    are missing (train/ and test/ pos/ and neg/, and unsup/ when `unsup`), with the other
    packaging `root` is, where it can tell."""
    top = Path(root) / TOP
    wanted = [f"{split}/{label}" for split in SPLITS for label in LABELS]
    missing = [name for name in wanted + (["unsup"] if unsup else []) if not (top / name).is_dir()]
    if missing:
        raise layout_error(root, f"IMDB folders {', '.join(missing)} missing in {top}", LAYOUT,
                           OTHER_PACKAGINGS)


def load_imdb(root: str | Path, unsup: bool = True) -> pd.DataFrame:
    """Return the reviews under <root>/imdb as a DataFrame with columns text, label ("pos",
    "neg", or "" for unsup/) and split ("train", "test", "unsup"), in sorted file order.
    FileNotFoundError names a missing folder; ValueError an empty folder or non-UTF-8 file."""
    check_layout(root, unsup)
    top = _folder(Path(root) / TOP)
    frames = []
    parts = [(split, label) for split in SPLITS for label in LABELS]
    for split, label in parts + ([("unsup", "")] if unsup else []):
        folder = _folder(top / split / label) if label else _folder(top / split)
        files = sorted(folder.glob("*.txt"))
        if not files:
            raise ValueError(f"IMDB folder {folder} holds no *.txt review")
        frames.append(pd.DataFrame({"text": _read(files), "label": label, "split": split}))
    return pd.concat(frames, ignore_index=True)


def wt103_files(folder: str | Path) -> tuple[Path, Path]:
    """Return (weights .pth, vocabulary .pkl) of the extracted wt103-fwd.tgz under `folder`;
    exactly one of each, as fastai's language_model_learner expects."""
    folder = Path(folder)
    found = []
    for ext in ("pth", "pkl"):
        files = sorted(folder.rglob(f"*.{ext}"))
        if len(files) != 1:
            raise layout_error(folder, f"WT103 folder {folder} must hold exactly one *.{ext} "
                                       f"file, found {[str(f) for f in files]}", WT103_LAYOUT,
                               WT103_PACKAGINGS)
        found.append(files[0])
    return found[0], found[1]


def check_wt103_layout(folder: str | Path) -> None:
    """Raise FileNotFoundError unless `folder` holds the one *.pth and one *.pkl wt103_files
    returns."""
    wt103_files(folder)


# Opcodes a pickled list of str can need (protocols 0-5), grouped by what they do.
_STRINGS = {"BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8", "UNICODE"}
_PUT = {"BINPUT", "LONG_BINPUT", "PUT"}
_GET = {"BINGET", "LONG_BINGET", "GET"}
_IGNORED = {"PROTO", "FRAME", "STOP"}


def read_vocab(path: str | Path) -> list[str]:
    """Return the list of str pickled in `path` without unpickling it (see module doc).
    ValueError names the file and the first opcode that a list of str does not need."""
    data = Path(path).read_bytes()
    stack: list = []
    memo: dict = {}
    marks: list[int] = []
    try:
        for op, arg, pos in pickletools.genops(data):
            name = op.name
            if name in _STRINGS:
                stack.append(arg)
            elif name == "EMPTY_LIST":
                stack.append([])
            elif name == "LIST":  # protocol 0: the items since the mark become a list
                start = marks.pop()
                items, stack[start:] = stack[start:], []
                stack.append(items)
            elif name == "MARK":
                marks.append(len(stack))
            elif name == "APPENDS":
                start = marks.pop()
                items, stack[start:] = stack[start:], []
                _as_list(stack[-1], path, pos).extend(items)
            elif name == "APPEND":
                item = stack.pop()
                _as_list(stack[-1], path, pos).append(item)
            elif name in _PUT:
                memo[arg] = stack[-1]
            elif name == "MEMOIZE":
                memo[len(memo)] = stack[-1]
            elif name in _GET:
                stack.append(memo[arg])
            elif name not in _IGNORED:
                raise ValueError(f"{path}: opcode {name} at byte {pos} is not part of a pickled "
                                 f"list of str; refusing to read it")
    except (ValueError, IndexError, KeyError) as error:
        if isinstance(error, ValueError) and str(error).startswith(str(path)):
            raise
        raise ValueError(f"{path}: not a well-formed pickled list of str ({error})") from error
    if len(stack) != 1 or not isinstance(stack[0], list):
        raise ValueError(f"{path}: does not hold a single list (stack {len(stack)} deep)")
    vocab = stack[0]
    if not all(isinstance(w, str) for w in vocab):
        raise ValueError(f"{path}: the list holds something other than str")
    return vocab


def _as_list(value, path, pos) -> list:
    if not isinstance(value, list):
        raise ValueError(f"{path}: append to a {type(value).__name__} at byte {pos}")
    return value


def read_wt103_weights(path: str | Path) -> dict[str, torch.Tensor]:
    """Return the WT103 language-model state dict (the 'model' entry if saved with an optimizer),
    loaded with weights_only=True."""
    import torch  # here, so that a layout check (when the workflow is read) does not import it

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise ValueError(f"WT103 weights {path} could not be read as a state dict: {error}") \
            from error
    if isinstance(state, dict) and "model" in state:
        state = state["model"]
    if not isinstance(state, dict) or "0.encoder.weight" not in state:
        raise ValueError(f"WT103 weights {path}: no '0.encoder.weight' (not an AWD-LSTM LM)")
    return dict(state)
