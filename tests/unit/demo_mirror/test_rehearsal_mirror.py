"""The rehearsal mirror: the demo's builders at the publishers' item sizes (a few items each, to
keep the test fast), and a builder for every dataset the full config reads that has no genuine
copy here."""

import io
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import yaml
from PIL import Image

from hundreddays.demo_mirror import biwi, camvid, dbpedia, imdb, pets, planet, ucsd, whale
from hundreddays.demo_mirror.rehearsal import SPEC, builder
from hundreddays.study_table import load_studies

ROOT = Path(__file__).resolve().parents[3]


def _tar(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def _size(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


def test_every_dataset_of_the_full_config_has_a_rehearsal_source():
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    profile = yaml.safe_load((ROOT / "profiles" / "rehearsal" / "scale.yaml").read_text())
    needed = {d for s, row in load_studies(ROOT / "studies.yaml").items()
              for d in row.data(config["studies"][s]) + row.weights(config["studies"][s])}
    assert needed - set(profile["local_copies"]) <= set(SPEC)
    for dataset in needed - set(profile["local_copies"]):
        assert callable(builder(dataset))


def test_camvid_frames_and_labels_are_960_by_720():
    files = _tar(camvid.build_files(0, n_train=1, n_valid=1, size=(720, 960))["camvid.tgz"])
    pngs = [v for k, v in files.items() if k.endswith(".png")]
    assert {_size(p) for p in pngs} == {(960, 720)}
    labels = [np.asarray(Image.open(io.BytesIO(v))) for k, v in files.items()
              if k.endswith("_P.png")]
    assert set(np.unique(labels[0])) <= set(range(len(camvid.CODES)))  # class ids, no blends


def test_planet_pets_and_whale_photos_at_their_sizes():
    chips = _tar(planet.build_files(0, count=2, size=256)["planet_sample.tgz"])
    assert {_size(v) for k, v in chips.items() if k.endswith(".jpg")} == {(256, 256)}
    photos = _tar(pets.build_files(0, per_breed=1, scale=6.25)["oxford-iiit-pet.tgz"])
    sides = [max(_size(v)) for k, v in photos.items() if k.endswith(".jpg")]
    assert 330 <= min(sides) and max(sides) <= 510
    files = whale.build_files(0, whales=2, photos=1, new_train=1, test_known=1, test_new=1,
                              size=(700, 1050))
    with zipfile.ZipFile(io.BytesIO(files["train.zip"])) as z:
        assert {_size(z.read(n)) for n in z.namelist()} == {(1050, 700)}


def test_biwi_frames_are_640_by_480_with_the_real_intrinsics():
    files = _tar(biwi.build_files(0, sequences=("13",), frames=1, zoom=4)["biwi_head_pose.tgz"])
    frame = next(v for k, v in files.items() if k.endswith("_rgb.jpg"))
    assert _size(frame) == (640, 480)
    cal = [float(v) for v in files["biwi_head_pose/13/rgb.cal"].split()[:9]]
    assert abs(cal[0] - 517.679) < 517.679 * 0.05 and (cal[2], cal[5]) == (320.0, 240.5)


def test_imdb_reviews_have_aclimdbs_length_and_a_vocabulary_past_max_vocab():
    rng = np.random.default_rng(0)
    filler = imdb.lexicon(rng, 100) * 2
    lengths = [len(imdb.lengthened(rng, imdb.review(rng, True), filler).split())
               for _ in range(400)]
    assert 150 < np.median(lengths) < 200 and 200 < np.mean(lengths) < 260
    assert imdb.LEXICON > 60_000  # each written twice: min_freq 2 keeps them all


def test_ucsd_frames_and_dbpedia_pages_grow_as_asked():
    files = _tar(ucsd.build_files(0, frames=3, size=(158, 238))["JPEGS.tar.gz"])
    frames = [v for k, v in files.items() if k.lower().endswith((".jpg", ".jpeg"))]
    assert len(frames) == 12 and {_size(f) for f in frames} == {(238, 158)}
    assert len(set(dbpedia.page_names(np.random.default_rng(0), 2000))) == 2000
