# Shared by every .smk file -- the validated config, the dataset registry, the studies and their
# figures, and the functions that turn those into file names.
import os
from importlib.resources import files

from snakemake.utils import validate

from hundreddays.claims import load_claims
from hundreddays.data.kaggle import not_run_reason as kaggle_credentials_missing
from hundreddays.data.registry import load_registry

validate(config, str(files("hundreddays") / "schemas" / "config.schema.yaml"))
REGISTRY_FILE = "datasets.yaml"
REGISTRY = load_registry(REGISTRY_FILE)
CLAIMS_FILE = "claims.yaml"
# A bad claims file fails the dry-run, not the last rule of a long run.
CLAIMS = load_claims(CLAIMS_FILE)

DATA = config["data_dir"]
RESULTS = config["results_dir"]
DEMO_MIRROR = "resources/demo-mirror"

# study -> the datasets it reads (or "sources": the one its config's `source` picks), the
# pretrained weights it reads when its config says `pretrained: true` (datasets too), its
# figure's title and whether it writes a table (<results>/<study>/table.csv), in the log's day
# order (the report's order); the figure's caption is report/<study>.rst
STUDIES = {
    "float_stability": {
        "datasets": [],
        "figure": "Day 2 - calculation stability: x -> 2x mod 1 from 1/10, exact against float64 and float32",
    },
    "conv_speedup": {
        "datasets": [],
        "figure": "Day 2 - the Halide talk's 3x3 box blur: naive against scheduled loop nests, and library versions",
        "table": True,
    },
    "nmf_topics": {
        "datasets": ["newsgroups20"],
        "figure": "Days 3-4 - topics of four newsgroups by SVD, scikit-learn NMF and NMF in PyTorch",
        "table": True,
    },
    "randomized_svd": {
        "datasets": ["ucsd_bgsub"],
        "figure": "Days 5-6 - randomized SVD against LAPACK, scikit-learn and torch: time and error",
        "table": True,
    },
    "svd_denoise": {
        "datasets": [],
        "figure": "Day 6 - SVD denoising: fixed rank, the Frobenius-norm rule and the Gavish-Donoho threshold",
        "table": True,
    },
    "svd_background": {
        "datasets": ["ucsd_bgsub"],
        "figure": "Days 7-8 - SVD background removal: steady camera (peds) against moving camera (landing)",
    },
    "ct_compressed_sensing": {
        "datasets": [],
        "figure": "Days 9-11 - CT reconstruction from few projections: L2 (ridge) against L1 (lasso)",
    },
    "pagerank_dbpedia": {
        "datasets": ["dbpedia"],
        "figure": "Day 12 - PageRank of the DBpedia link graph: power-method convergence and top pages",
        "table": True,
    },
    "fibonacci": {
        "datasets": [],
        "figure": "Day 13 - runtime of four ways to compute Fibonacci numbers, and where each is wrong",
    },
    "householder_qr": {
        "datasets": [],
        "figure": "Day 14 - Householder QR against LAPACK and Gram-Schmidt as conditioning worsens",
    },
    "pets": {
        "datasets": ["pets"],
        "pretrained": ["resnet50_imagenet"],
        "figure": "Day 16 - 37 breeds of cats and dogs: the learning-rate finder and the error rate per epoch",
    },
    "whale": {
        "datasets": ["humpback_whale"],
        "figure": "Days 17, 22, 23 - humpback whale identification: MAP@5 of three submissions",
    },
    "fastai_tensor": {
        "datasets": [],
        "table": True,
        "figure": "Day 18 - fastai's tensor(3., 2.) against torch.tensor(3., 2.), run on the installed libraries",
    },
    "sgd_line": {
        "datasets": [],
        "figure": "Day 19 - gradient descent on a noisy line: hand gradient against autograd",
    },
    "planet": {
        "table": True,
        "sources": {"sample": "planet_sample", "kaggle": "planet_kaggle"},
        "pretrained": ["resnet50_imagenet"],
        "figure": "Days 20-21 - multi-label satellite chips (Planet): true and predicted tags, F2 per epoch",
    },
    "camvid": {
        "datasets": ["camvid"],
        "pretrained": ["resnet34_imagenet"],
        "figure": "Day 23 - CamVid dashcam segmentation: ground truth against prediction, accuracy per class",
        "table": True,
    },
    "imdb": {
        "datasets": ["imdb"],
        "table": True,
        "pretrained": ["wt103_fwd"],
        "figure": "Day 24 - IMDB sentiment with ULMFiT: frozen against gradually unfrozen, and two example reviews",
    },
    "head_pose": {
        "datasets": ["biwi_head_pose"],
        "pretrained": ["resnet34_imagenet"],
        "figure": "Day 25 - BIWI head-centre regression: frozen against unfrozen, true and predicted centres",
    },
    "adult_tabular": {
        "datasets": ["adult"],
        "figure": "Day 26 - Adult income with fastai tabular: accuracy over epochs and layer sizes",
        "table": True,
    },
    "softmax_pitfall": {
        "datasets": [],
        "figure": "Days 28, 35 - an extra softmax before CrossEntropyLoss (simulated classes)",
    },
    "log_features": {
        "datasets": [],
        "figure": "Day 28 - simulated analogue: log, asinh and standardised flux inputs",
    },
    "onnx_export": {
        "datasets": ["pets"],
        "figure": "Day 29 - the pets classifier in onnxruntime: with fastai's transforms made explicit, and without",
    },
    "movielens_collab": {
        "datasets": ["movielens_100k"],
        "figure": "Day 30 - MovieLens 100k collaborative filtering: validation loss per epoch",
    },
    "weight_decay": {
        "datasets": ["mnist"],
        "figure": "Day 34 - weight decay: library defaults, L2 term against optimizer, sweep on MNIST",
        "table": True,
    },
    "mnist_logreg": {
        "datasets": ["mnist"],
        "figure": "Day 35 - logistic regression on MNIST: loss, accuracy and the learned templates",
    },
    "mnist_mlp": {
        "datasets": ["mnist"],
        "figure": "Day 36 - one hidden layer of 100 units on MNIST",
    },
    "mnist_cnn": {
        "datasets": ["mnist"],
        "figure": "Day 36 - a small CNN on MNIST",
    },
    "line_fit_ignite": {
        "datasets": [],
        "figure": "Day 39 - PyTorch Ignite reads slope and intercept off lines: slope error over the plane",
    },
    "gp_dkl_elevators": {
        "datasets": ["elevators"],
        "figure": "Day 47 - deep kernel learning against the same network trained with MSE (UCI elevators)",
    },
    "parabola_fit": {
        "datasets": [],
        "figure": "Day 50 - a small linear network measures parabolas at SNR 10",
    },
    "galaxy_analogues": {
        "datasets": [],
        "figure": "Days 33-53 - simulated analogues of the log's galaxy-distance experiments",
    },
}


def study_data(study):
    """The datasets `study` reads (its config's `source` picks one of "sources")."""
    entry = STUDIES[study]
    if "sources" in entry:
        return [entry["sources"][config["studies"][study]["source"]]]
    return entry["datasets"]


def kaggle_not_run_reason(study):
    """Why `study` cannot run here, or None: a study that reads Kaggle competition data needs
    Kaggle credentials, unless the demo mirror serves its miniature."""
    needs_kaggle = any(REGISTRY[d].access == "kaggle" for d in study_data(study))
    if not needs_kaggle or config["build_demo_mirror"]:
        return None
    return kaggle_credentials_missing()


# study -> why it cannot run here (its claims say so in the report)
NOT_RUN = {s: r for s in STUDIES if (r := kaggle_not_run_reason(s))}


def datasets_of(study):
    """Registry ids `study` reads under this config: its data, plus its pretrained weights when
    the config asks for them; none when it cannot run here."""
    if study in NOT_RUN:
        return []
    pretrained = config["studies"].get(study, {}).get("pretrained", False)
    return study_data(study) + (
        STUDIES[study].get("pretrained", []) if pretrained else []
    )


def study_inputs(study):
    """A fast.ai study's input (use with unpack): `data`, the prepared folder of its dataset,
    and `weights`, the prepared folder of its pretrained weights when its config says
    `pretrained: true`."""
    data, *weights = datasets_of(study)
    inputs = {"data": f"{DATA}/{data}"}
    if weights:
        inputs["weights"] = f"{DATA}/{weights[0]}"
    return inputs


def not_run_claims(study):
    """The ids of `study`'s claims (shown in the figure of a study that cannot run here)."""
    return [c["id"] for c in CLAIMS if c["study"] == study]


def datasets_used():
    """Registry ids read by the studies of this workflow, sorted."""
    return sorted({d for s in STUDIES for d in datasets_of(s)})


def raw_files(dataset):
    """The verified downloads of one dataset."""
    return [f"{DATA}/raw/{dataset}/{name}" for name in REGISTRY[dataset].files]


def fetch_records():
    """One provenance record per downloaded file of the used datasets (for the report)."""
    return [
        f"{DATA}/fetch-records/{d}/{name}.json"
        for d in datasets_used()
        for name in REGISTRY[d].files
    ]


def mirror_manifest():
    """The demo mirror's manifest when the demo builds its own mirror, else nothing."""
    return [f"{DEMO_MIRROR}/manifest.yaml"] if config["build_demo_mirror"] else []


def fetch_settings():
    """Where fetch_file looks first and which checksums replace the registry's."""
    if config["build_demo_mirror"]:
        return {"mirror": DEMO_MIRROR, "manifest": f"{DEMO_MIRROR}/manifest.yaml"}
    return {"mirror": config["mirror"], "manifest": config["mirror_manifest"]}


def reported(metric):
    """The value the log reports for `metric` (claims.yaml), drawn as a reference in figures."""
    return next(c["reported"] for c in CLAIMS if c.get("metric") == metric)


def claim_threshold(metric):
    """The threshold of the claim on `metric` (an at_least / at_most comparison)."""
    return next(c["compare"]["threshold"] for c in CLAIMS if c.get("metric") == metric)


def rule_file(name):
    """The .smk file, relative to the workflow, that defines rule `name`."""
    return os.path.relpath(getattr(rules, name).rule.snakefile, workflow.basedir)


def study_figure(study):
    return f"{RESULTS}/figures/{study}.png"


def training_checkpoint(study):
    """Where a training rule keeps its per-epoch checkpoint (deleted when the rule succeeds)."""
    return f"{RESULTS}/checkpoints/{study}.pt"


def study_table(study):
    return f"{RESULTS}/{study}/table.csv"


def study_tables():
    """{study: its table} of the studies that write one (not those that cannot run here)."""
    return {
        s: study_table(s)
        for s in STUDIES
        if STUDIES[s].get("table") and s not in NOT_RUN
    }


def final_outputs():
    """The final targets: the report and everything it shows."""
    return [
        f"{RESULTS}/metrics.csv",
        f"{RESULTS}/claims.csv",
        f"{RESULTS}/REPORT.md",
    ]
