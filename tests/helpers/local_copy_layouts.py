"""Wrongly laid-out local copies, one per dataset a study reads: the files of another common
packaging of the same data (or of an archive not extracted), what the refusal must say is
missing, and the other packaging it must name. Shared by the unit tests of the layout checks
and the workflow test that gives them all to `snakemake -n`."""

from pathlib import Path

# id -> (the wrongly laid-out folder's files (a name ending in / is a folder), what the refusal
# says is missing, the other packaging it names or None)
WRONG = {
    "ucsd_bgsub": ({"JPEGS.tar.gz": b"x"}, "no UCSD video", "the archive itself"),
    "newsgroups20": ({"20news-18828/alt.atheism/49960": b"x"},
                     "20news-bydate-train, 20news-bydate-test missing", "20news-18828 packaging"),
    "dbpedia": ({"redirects_en.nt": b"", "page_links_en.nt": b""},
                "redirects_en.nt.bz2, page_links_en.nt.bz2 missing", "decompressed N-Triples"),
    "mnist": ({"mnist_train.csv": b"5,0\n", "mnist_test.csv": b"7,0\n"},
              "train-images-idx3-ubyte or train-images.idx3-ubyte or train-images-idx3-ubyte.gz",
              "Kaggle's CSV packaging of MNIST"),
    "pets": ({"PetImages/Cat/0.jpg": b"x", "PetImages/Dog/0.jpg": b"x"},
             "pets images folder not found", "Kaggle Cats and Dogs"),
    "planet_sample": ({"planet_sample.tgz": b"x"}, "no Planet labels", "the archive itself"),
    "planet_kaggle": ({"train_v2.csv/train_v2.csv": b"image_name,tags\n", "train-jpg/": None},
                      "no Planet labels", "train_v2.csv/train_v2.csv"),
    "camvid": ({"701_StillsRaw_full/0001TP_006690.png": b"x",
                "LabeledApproved_full/0001TP_006690_L.png": b"x"},
               "images/, labels/, codes.txt, valid.txt missing", "original Cambridge packaging"),
    "imdb": ({"aclImdb/train/pos/0_9.txt": b"x", "aclImdb/train/unsup/0_0.txt": b"x"},
             "IMDB folders .* missing", "Stanford's aclImdb_v1.tar.gz"),
    "wt103_fwd": ({"wt103-fwd.tgz": b"x"}, r"exactly one \*\.pth", "an archive, not extracted"),
    "biwi_head_pose": ({"biwi_sample/images/09/frame_00667_rgb.jpg": b"x",
                        "biwi_sample/centers.pkl": b"x"},
                       r"no <NN>/frame_<n>_rgb\.jpg frames", "fastai's biwi_sample.tgz"),
    "adult": ({"adult.data": b"39, State-gov\n"}, r"adult_sample/adult\.csv not found",
              r"local_copies\.adult_uci"),
    "adult_uci": ({"adult_sample/adult.csv": b"age\n"}, r"adult\.data not found",
                  r"local_copies\.adult,"),
    "movielens_100k": ({"ml-latest-small/ratings.csv": b"userId\n"},
                       r"ml-100k/u\.data, ml-100k/u\.item missing", "ml-latest-small"),
    "humpback_whale": ({"humpback-whale-identification.zip": b"x"},
                       "train.zip, test.zip, train.csv, sample_submission.csv missing",
                       "one-archive download"),
    "resnet34_imagenet": ({"model.safetensors": b"x"}, r"expected one \.pth", "safetensors"),
    "resnet50_imagenet": ({"a/resnet50-0676ba61.pth": b"x", "b/resnet50-11ad3fa6.pth": b"x"},
                          r"expected one \.pth weights file, found", None),
    "elevators": ({"data.csv.gz": b"x"}, r"elevators\.mat not found", "UCI CSV packaging"),
    "elevators_csv": ({"elevators.mat": b"x"}, r"data\.csv\.gz not found",
                      r"elevators\.mat packaging"),
}


def make(folder: Path, files: dict) -> Path:
    """`folder` holding `files` ({relative path: bytes}; a path ending in / is a folder)."""
    for name, data in files.items():
        path = folder / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return folder
