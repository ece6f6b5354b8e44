"""datasets.yaml: valid against its schema, and its checksums have the shape their kind demands."""

import re
from pathlib import Path
from urllib.parse import urlparse

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
REGISTRY = ROOT / "datasets.yaml"
SCHEMA = ROOT / "src" / "hundreddays" / "schemas" / "datasets.schema.yaml"

HEX_LENGTH = {"md5": 32, "sha256": 64, "fastai": 32}  # fastai: md5 of the first MiB
TORCH_HUB_HASH = re.compile(r"-([a-f0-9]*)\.")  # torch/hub.py HASH_REGEX


@pytest.fixture(scope="module")
def registry():
    return yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))


def all_files(registry):
    return [
        (f"{dataset_id}/{name}", spec)
        for dataset_id, dataset in registry["datasets"].items()
        for name, spec in dataset["files"].items()
    ]


def test_registry_validates_against_schema(registry):
    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(registry), key=lambda e: e.json_path
    )
    assert not errors, "\n".join(f"{e.json_path}: {e.message}" for e in errors)


def test_every_dataset_the_study_table_names_is_registered():
    from hundreddays.data.registry import load_registry
    from hundreddays.study_table import check_registry, load_studies, used_by

    studies = load_studies(ROOT / "studies.yaml")
    registry = load_registry(REGISTRY)
    check_registry(studies, registry)  # raises naming the row and the id
    users = used_by(studies)
    assert users["mnist"] == ["weight_decay", "mnist_logreg", "mnist_mlp", "mnist_cnn"]
    assert users["planet_kaggle"] == ["planet"]  # a source the config may pick


@pytest.mark.parametrize("kind", sorted(HEX_LENGTH))
def test_digest_lengths(registry, kind):
    for where, spec in all_files(registry):
        checksum = spec["checksum"]
        if checksum["kind"] == kind:
            value = checksum["value"]
            assert isinstance(value, str), where
            assert re.fullmatch(rf"[0-9a-f]{{{HEX_LENGTH[kind]}}}", value), f"{where}: {value!r}"


def test_fastai_entries_have_a_size(registry):
    for where, spec in all_files(registry):
        if spec["checksum"]["kind"] == "fastai":
            assert isinstance(spec["size"], int) and spec["size"] > 0, where


def test_torchhub_prefix_is_the_hash_in_every_url_file_name(registry):
    for where, spec in all_files(registry):
        checksum = spec["checksum"]
        if checksum["kind"] != "torchhub":
            continue
        assert re.fullmatch(r"[0-9a-f]{8,64}", checksum["value"]), where
        for url in spec["urls"]:
            file_name = Path(urlparse(url).path).name
            match = TORCH_HUB_HASH.search(file_name)
            assert match and match.group(1) == checksum["value"], f"{where}: {url}"


def test_kind_none_means_no_value(registry):
    for where, spec in all_files(registry):
        checksum = spec["checksum"]
        if checksum["kind"] == "none":
            assert checksum["value"] is None, where
            # the source says what was searched
            assert "no published" in checksum["source"], where
        else:
            assert checksum["value"] is not None, where


def test_every_file_names_its_source_and_distinct_urls(registry):
    for where, spec in all_files(registry):
        assert spec["checksum"]["source"].strip(), where
        urls = [u["url"] if isinstance(u, dict) else u for u in spec["urls"]]
        assert len(urls) == len(set(urls)), where


def test_kaggle_datasets_say_how_to_get_them(registry):
    for dataset_id, dataset in registry["datasets"].items():
        if dataset.get("access") == "kaggle":
            assert "kaggle" in dataset.get("notes", "").lower(), dataset_id


def test_kaggle_paths_are_kept_apart_from_the_names_we_store():
    """planet_kaggle: Kaggle lists train_v2.csv in a folder of its own name since 2019 and no
    longer serves train-jpg.tar.7z (fastai/course-v3 issue 468)."""
    from hundreddays.data.registry import load_registry

    planet = load_registry(REGISTRY)["planet_kaggle"].files
    assert planet["train_v2.csv"].kaggle_path == "train_v2.csv/train_v2.csv"
    assert planet["train-jpg.tar.7z"].kaggle_path is None
    whale = load_registry(REGISTRY)["humpback_whale"].files
    assert whale["train.csv"].kaggle_path == "train.csv"  # no kaggle_file: the name itself


def test_adult_comes_from_uci_s_file_or_from_the_member_of_its_zip(registry):
    from hundreddays.data.registry import load_registry

    spec = load_registry(REGISTRY)["adult_uci"].files["adult.data"]
    assert spec.size == 3974305 and spec.urls[0].endswith("/adult/adult.data")
    assert spec.zip_members == (("https://archive.ics.uci.edu/static/public/2/adult.zip",
                                 "adult.data"),)
