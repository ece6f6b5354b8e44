"""The rehearsal mirror: the demo mirror's builders with the publishers' item sizes and a few
items each (profiles/rehearsal; config key `rehearsal`), and random weights of the pretrained
architectures (demo_mirror.weights). Datasets whose genuine files this machine holds are read in
place instead (the profile's local_copies): 20 Newsgroups, ml-100k.

Per dataset: the builder's arguments, the items the mirror holds (the rehearsal's estimate scales
its epochs by datasets.yaml's `items` count over these; hundreddays.rehearsal.estimate) and what an
item is here, against the publisher's item. Each split keeps the publisher's proportions, and
every training split holds at least two full batches of its study's batch size (a timed step is a
full one); a validation split smaller than a batch is timed as a full one (the estimate scales).
"""

from __future__ import annotations

from . import weights

ITEMS_FILE = "items.yaml"  # beside the manifest: {dataset: items} of the mirror as built

SPEC: dict[str, dict] = {
    "camvid": {  # 600 train + 101 valid frames, 960 x 720 (bs 8)
        "kwargs": {"n_train": 48, "n_valid": 8, "size": (720, 960)}, "items": 56,
        "item": "PNG frame and label map of 960 x 720 px (CamVid's size)"},
    "planet_kaggle": {  # bs 64, valid_pct 0.2: the competition's packaging (config.yaml's source)
        "kwargs": {"count": 400, "size": 256}, "items": 400,
        "item": "JPEG chip of 256 x 256 px (the competition's size)"},
    "planet_sample": {  # bs 64, valid_pct 0.2
        "kwargs": {"count": 400, "size": 256}, "items": 400,
        "item": "JPEG chip of 256 x 256 px (the competition's size)"},
    "pets": {  # bs 32 at 460 / 299 px, valid_pct 0.2: 5 photos of each of the 37 breeds
        "kwargs": {"per_breed": 5, "scale": 6.25}, "items": 185,
        "item": "JPEG photo of 350-500 px a side (the genuine photos: 500 px on the longer side)"},
    "biwi_head_pose": {  # 24 sequences; the lesson validates on sequence 13 (bs 64)
        "kwargs": {"sequences": tuple(f"{n:02d}" for n in range(1, 25)), "frames": 8,
                   "zoom": 4}, "items": 192,
        "item": "JPEG frame of 640 x 480 px with BIWI's intrinsics (focal 517.679, centre "
                "320 / 240.5)"},
    "humpback_whale": {  # 25,361 train + 7,960 test photos (bs 64, valid_pct 0.2)
        "kwargs": {"whales": 40, "photos": 4, "new_train": 60, "test_known": 50,
                   "test_new": 18, "size": (700, 1050)}, "items": 288,
        "item": "JPEG photo of 1050 x 700 px: the competition does not document the photos' "
                "size (they vary); assumed"},
    "imdb": {  # 25,000 train + 25,000 test + 50,000 unlabelled reviews
        "kwargs": {"counts": (250, 250, 1000), "real_length": True}, "items": 2000,
        "item": "review of aclImdb's length (median 174 words) over a vocabulary past "
                "max_vocab 60,000"},
    "ucsd_bgsub": {  # the studies read at most max_frames = 200 frames a video
        "kwargs": {"frames": 200, "size": (158, 238)}, "items": None,
        "item": "grey JPEG frame of 238 x 158 px: the real frame size is not documented "
                "(assumed: the size of the same lab's UCSD pedestrian frames); 200 frames a "
                "video, the most the studies read"},
    "dbpedia": {
        "kwargs": {"pages": 5000}, "items": None,
        "item": "N-Triples line of a page link, as long as the dumps'; the read is scaled by "
                "the lines it read"},
    "mnist": {  # the genuine unpacked files replace it once the loader reads their names
        "kwargs": {"train_size": 6000, "test_size": 1000}, "items": 7000,
        "item": "28 x 28 digit (MNIST's size)"},
    "adult": {"kwargs": {"rows": 32561}, "items": 32561,
              "item": "CSV row of adult.csv's columns (all 32,561 rows)"},
    "elevators": {"kwargs": {"rows": 16599}, "items": 16599,
                  "item": "row of 18 inputs and the target (all 16,599 rows), in a MAT file"},
    "resnet34_imagenet": {"kwargs": {}, "items": None, "weights": True,
                          "item": "ResNet-34 with random weights (the ImageNet file cannot be "
                                  "fetched here)"},
    "resnet50_imagenet": {"kwargs": {}, "items": None, "weights": True,
                          "item": "ResNet-50 with random weights (the ImageNet file cannot be "
                                  "fetched here)"},
    "wt103_fwd": {"kwargs": {}, "items": None, "weights": True,
                  "item": "AWD-LSTM (400 / 1152 / 3 layers, 60,000 words) with random weights "
                          "(the WT103 file cannot be fetched here)"},
}


def builder(dataset: str):
    """The rehearsal's builder of `dataset`: seed -> {file name: bytes}."""
    from .build import BUILDERS

    if dataset in weights.BUILDERS:
        return weights.BUILDERS[dataset]
    if dataset not in SPEC or dataset not in BUILDERS:
        raise ValueError(f"no rehearsal-mirror builder for dataset {dataset}; known: "
                         f"{sorted(SPEC)} (a genuine copy goes in the profile's local_copies)")
    kwargs = SPEC[dataset]["kwargs"]
    return lambda seed: BUILDERS[dataset](seed, **kwargs)
