"""Pretrained weights for the rehearsal mirror (hundreddays.demo_mirror.rehearsal): the publishers'
files cannot be fetched here, so each is the same architecture with random (seeded) weights, in the
publisher's format. torchvision's ImageNet ResNets: the state dict as torch.save writes it
(resnet34-b627a593.pth, resnet50-0676ba61.pth); fastai's wt103-fwd.tgz: the AWD-LSTM language
model's state dict (wt103-fwd/lstm_fwd.pth, fastai's key names) and its vocabulary, a pickled list
of 60,000 str (wt103-fwd/itos_wt103.pkl), as fastai's language_model_learner reads them.
The demo never asks for pretrained weights."""

from __future__ import annotations

import io
import pickle

from .archive import tar_gz_bytes

WT103_VOCAB = 60_000
# fastai's AWD_LSTM sizes of the WT103 weights (config.yaml's imdb.arch)
WT103_SIZES = {"emb_sz": 400, "n_hid": 1152, "n_layers": 3}


def _saved(state: dict) -> bytes:
    import torch

    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


def resnet_files(name: str, file: str, seed: int) -> dict[str, bytes]:
    """{file: a torchvision `name` state dict with random weights}."""
    import torch
    import torchvision

    torch.manual_seed(seed)
    return {file: _saved(getattr(torchvision.models, name)(weights=None).state_dict())}


def wt103_files(seed: int) -> dict[str, bytes]:
    """{"wt103-fwd.tgz": the language model's random state dict and a 60,000-word vocabulary}."""
    import torch
    from fastai.text.models.awdlstm import AWD_LSTM, awd_lstm_lm_config
    from fastai.text.models.core import get_language_model

    torch.manual_seed(seed)
    model = get_language_model(AWD_LSTM, WT103_VOCAB, config={**awd_lstm_lm_config,
                                                              **WT103_SIZES})
    itos = ["xxunk", "xxpad", "xxbos", "xxeos", "xxfld", "xxrep", "xxwrep", "xxup", "xxmaj"]
    itos += [f"w{i}" for i in range(WT103_VOCAB - len(itos))]
    members = {"wt103-fwd/lstm_fwd.pth": _saved(model.state_dict()),
               "wt103-fwd/itos_wt103.pkl": pickle.dumps(itos, protocol=2)}
    return {"wt103-fwd.tgz": tar_gz_bytes(members, level=1)}


BUILDERS = {
    "resnet34_imagenet": lambda seed: resnet_files("resnet34", "resnet34-b627a593.pth", seed),
    "resnet50_imagenet": lambda seed: resnet_files("resnet50", "resnet50-0676ba61.pth", seed),
    "wt103_fwd": wt103_files,
}
