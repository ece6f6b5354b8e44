"""MNIST from an unpacked folder: ../shared/real-data/mnist-unpacked (the four IDX files
uncompressed, named train-images.idx3-ubyte as the common unpacked copies name them) read in
place; its labels and test images against the published .gz files; the other naming and the
.gz files through symlinks in tmp_path; a folder missing one file refused with that file's name;
its manifest and report row as for any local copy.
"""

import numpy as np
import pytest
from real_data import real

from hundreddays.data.local_copy import LocalCopyError, report_record, verify_local_copy
from hundreddays.data.local_copy import check_layout as check_local_copy
from hundreddays.loaders import mnist
from hundreddays.report import _dataset_section

DOTTED = {key: name.replace("-idx", ".idx") for key, name in mnist.FILES.items()}
PUBLISHED_GZ = ("train_labels", "test_images", "test_labels")  # in ../shared/real-data/mnist


@pytest.fixture(scope="module")
def unpacked():
    """The whole of MNIST, read from the unpacked folder."""
    folder = real("mnist-unpacked")
    return mnist.load_mnist(folder)


def test_the_unpacked_folder_holds_all_of_mnist(unpacked):
    folder = real("mnist-unpacked")
    mnist.check_layout(folder)
    assert {key: mnist.find_idx(folder, name).name for key, name in mnist.FILES.items()} == DOTTED
    assert unpacked["train_images"].shape == (60000, 28, 28)
    assert unpacked["test_images"].shape == (10000, 28, 28)
    assert unpacked["train_labels"].shape == (60000,) and unpacked["test_labels"].shape == (10000,)
    assert all(array.dtype == np.uint8 for array in unpacked.values())
    # no published .gz of the train images is at hand: their pixels' mean and std, as the
    # folder's README gives them (the normalisation constants of the PyTorch MNIST examples)
    counts = np.bincount(unpacked["train_images"].ravel(), minlength=256) / (60000 * 28 * 28)
    value = np.arange(256) / 255.0
    mean = float(counts @ value)
    assert round(mean, 4) == 0.1307 and round(float(np.sqrt(counts @ value**2 - mean**2)), 4) == (
        0.3081)


@pytest.mark.parametrize("key", PUBLISHED_GZ)
def test_labels_and_test_images_equal_the_published_gz_files(unpacked, key):
    published = mnist.read_idx(real("mnist", f"{mnist.FILES[key]}.gz"))
    np.testing.assert_array_equal(unpacked[key], published)


def link(folder, names):
    """`folder` holding a symlink {name: genuine file} for each of `names`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, target in names.items():
        (folder / name).symlink_to(target)
    return folder


def test_the_other_naming_in_a_raw_folder_and_the_gz_files_read_the_same(tmp_path, unpacked):
    genuine = real("mnist-unpacked")
    hyphens = link(tmp_path / "torchvision" / "MNIST" / "raw",
                   {mnist.FILES[k]: genuine / DOTTED[k] for k in mnist.FILES})
    mixed = link(tmp_path / "mixed", {
        **{f"{mnist.FILES[k]}.gz": real("mnist", f"{mnist.FILES[k]}.gz") for k in PUBLISHED_GZ},
        mnist.FILES["train_images"]: genuine / DOTTED["train_images"]})
    for folder in (tmp_path / "torchvision", mixed):
        mnist.check_layout(folder)
        data = mnist.load_mnist(folder)
        for key in mnist.FILES:
            np.testing.assert_array_equal(data[key], unpacked[key])
    assert mnist.find_idx(tmp_path / "torchvision", mnist.FILES["test_labels"]) == (
        hyphens / mnist.FILES["test_labels"])


@pytest.mark.parametrize("missing", sorted(mnist.FILES))
def test_a_folder_missing_one_file_is_refused_with_that_files_name(tmp_path, missing):
    genuine = real("mnist-unpacked")
    folder = link(tmp_path / "copy", {DOTTED[k]: genuine / DOTTED[k] for k in mnist.FILES
                                      if k != missing})
    name = mnist.FILES[missing]
    with pytest.raises(FileNotFoundError) as err:
        mnist.check_layout(folder)
    said = str(err.value)
    assert f"MNIST files missing: {name} or {DOTTED[missing]} or {name}.gz (searched" in said
    others = [mnist.FILES[k] for k in mnist.FILES if k != missing]
    assert not any(other in said.split("(searched")[0] for other in others)
    with pytest.raises(LocalCopyError, match=rf"local_copies\.mnist: .*{name} or"):
        check_local_copy("mnist", folder)


def test_the_manifest_and_the_report_treat_it_like_any_local_copy(tmp_path):
    folder = real("mnist-unpacked")
    manifest = tmp_path / "local-copies" / "mnist.sha256"
    verified = verify_local_copy("mnist", folder, manifest)
    assert verified["pinned_now"] and verified["files"] == 4
    assert sorted(line.split("  ")[1] for line in manifest.read_text().splitlines()) == sorted(
        DOTTED.values())
    lines = "\n".join(_dataset_section([report_record(verified)]))
    assert f"local copy {folder}" in lines and verified["manifest_sha256"] in lines
