# Shared by every .smk file -- the validated config, the dataset registry, the study table, and
# the functions that turn those into file names.
import os
import sys
from importlib.resources import files

import yaml

from snakemake.utils import validate

from hundreddays.claims import load_claims
from hundreddays.comparability import why_not_comparable
from hundreddays.data.kaggle import not_run_reason as kaggle_credentials_missing
from hundreddays.data.local_copy import (
    check_config as check_local_copies,
    report_record,
    verify_local_copies,
)
from hundreddays.data.registry import load_registry
from hundreddays.environment import LOCK_FILE, RECORD_FILE, installed_fingerprint
from hundreddays.runner import reference_of
from hundreddays.study_table import check_registry, load_studies, validate_config

validate(config, str(files("hundreddays") / "schemas" / "config.schema.yaml"))
REGISTRY_FILE = "datasets.yaml"
REGISTRY = load_registry(REGISTRY_FILE)
# The study table: one row per study, in the log's day order (the report's order).
STUDIES_FILE = "studies.yaml"
STUDIES = load_studies(STUDIES_FILE)
check_registry(STUDIES, REGISTRY, STUDIES_FILE)
validate_config(config, STUDIES)
CLAIMS_FILE = "claims.yaml"
# A bad claims file fails the dry-run, not the last rule of a long run.
CLAIMS = load_claims(CLAIMS_FILE)

DATA = config["data_dir"]
RESULTS = config["results_dir"]
# A rehearsal (config key rehearsal: every loop capped) builds its mirror with full-size items.
REHEARSAL = config.get("rehearsal") or None
# ... unless the rehearsal asks for the demo's miniatures (rehearsal.mirror: demo, CI)
REHEARSAL_MIRROR = (
    bool(REHEARSAL) and REHEARSAL.get("mirror", "rehearsal") == "rehearsal"
)
DEMO_MIRROR = (
    "resources/rehearsal-mirror" if REHEARSAL_MIRROR else "resources/demo-mirror"
)
# {dataset: folder} read in place instead of fetched (the ids and folders are checked here)
LOCAL_COPIES = config.get("local_copies", {})
check_local_copies(LOCAL_COPIES, REGISTRY, DATA)


def study_data(study):
    """The datasets `study` reads (its config's `source` picks one of the row's sources)."""
    return STUDIES[study].data(config["studies"][study])


def kaggle_not_run_reason(study):
    """Why `study` cannot run here, or None: a study that fetches Kaggle competition data (a
    local copy is not fetched) or submits to Kaggle (its config's `submit`) needs Kaggle
    credentials, unless the demo mirror serves its miniature."""
    fetches = any(
        REGISTRY[d].access == "kaggle" and d not in LOCAL_COPIES
        for d in study_data(study)
    )
    submits = config["studies"][study].get("submit", False)
    if not (fetches or submits) or config["build_demo_mirror"]:
        return None
    return kaggle_credentials_missing()


def skipped(config):
    """The config's `skip` (study -> why this run leaves it out), its study names checked."""
    skip = config.get("skip") or {}
    unknown = sorted(set(skip) - set(STUDIES))
    if unknown:
        raise ValueError(
            f"config key skip: unknown studies {unknown}; the studies are the rows of "
            f"{STUDIES_FILE}"
        )
    return skip


# study -> why it reads no data here (the config's skip, Kaggle without credentials)
SKIPPED = skipped(config)
NO_DATA = {s: r for s in STUDIES if (r := SKIPPED.get(s) or kaggle_not_run_reason(s))}
# Of those, the studies whose row names data-free metrics run without data and measure these
# (the claims on the rest say why not); the others do not run at all (rule not_run answers).
WITHOUT_DATA = {s: r for s, r in NO_DATA.items() if STUDIES[s].data_free}
NOT_RUN = {s: r for s, r in NO_DATA.items() if s not in WITHOUT_DATA}


def datasets_of(study):
    """Registry ids `study` reads under this config: its data, plus its pretrained weights when
    the config asks for them; none when it reads no data here."""
    if study in NO_DATA:
        return []
    return study_data(study) + STUDIES[study].weights(config["studies"][study])


def without_data(study):
    """The runner's `without_data` of a study that runs without its data here, else None."""
    if study not in WITHOUT_DATA:
        return None
    return {"reason": WITHOUT_DATA[study], "data_free": list(STUDIES[study].data_free)}


# config.yaml as written: the full-scale reproduction that the log's numbers are compared with.
FULL_CONFIG_FILE = "config.yaml"
with open(FULL_CONFIG_FILE, encoding="utf-8") as full_config_file:
    FULL_CONFIG = yaml.safe_load(full_config_file)
# study -> why its numbers are not comparable with the log's here (None: comparable): its config
# block differs from config.yaml's, or it reads the demo's miniatures. Derived, never declared.
NOT_COMPARABLE = why_not_comparable(
    config, FULL_CONFIG, {s: datasets_of(s) for s in STUDIES}
)


def dataset_folder(dataset):
    """Where a study reads `dataset`: its local copy, or the folder prepare_dataset makes."""
    return LOCAL_COPIES.get(dataset, f"{DATA}/{dataset}")


def study_inputs(study):
    """A study rule's named inputs: `data`, the folder of its dataset (`data_<id>` for each
    when it reads several; none where it reads no data here; a local copy where the config names one, with its pinned manifest as
    `manifest_<id>`), `weights`, that of its pretrained weights when its config says
    `pretrained: true`, and each output of another study it reads (its row's `after`).
    """
    data = [] if study in NO_DATA else study_data(study)
    inputs = {"data": dataset_folder(data[0])} if len(data) == 1 else {}
    if len(data) > 1:
        inputs.update({f"data_{d}": dataset_folder(d) for d in data})
    for weights in STUDIES[study].weights(config["studies"][study]) if data else []:
        inputs["weights"] = dataset_folder(weights)
    for d in datasets_of(study):
        if d in LOCAL:
            inputs[f"manifest_{d}"] = LOCAL[d]["manifest"]
    for name, ref in STUDIES[study].after.items():
        other, output = ref.split(".")
        inputs[name] = f"{RESULTS}/{other}/{STUDIES[other].outputs[output]}"
    return inputs


def study_outputs(study):
    """A study rule's named outputs, each figure and table shown in the HTML report under the
    study's category with its caption (report/<study>.rst), listed by day and title."""
    row = STUDIES[study]
    shown = {"caption": f"../report/{study}.rst", "category": row.category}
    outputs = {
        "metrics": f"{RESULTS}/{study}/metrics.json",
        "figure": report(
            study_figure(study), labels=row.report_labels("figure"), **shown
        ),
    }
    if row.table:
        outputs["table"] = report(
            study_table(study), labels=row.report_labels("table (CSV)"), **shown
        )
    for name, file in row.outputs.items():
        outputs[name] = f"{RESULTS}/{study}/{file}"
    return outputs


def study_seeds(study):
    """The seeds `study` runs, base seed (config `seed`) first: config `seeds` of them, or the
    base seed only when its row says why (one_seed) or it cannot run here."""
    count = 1 if study in NOT_RUN else config["seeds"]
    return STUDIES[study].seeds(config["seed"], count)


def extra_seeds(study):
    """The seeds after the base seed: rule <study>_seeds runs each (wildcard `seed`)."""
    return study_seeds(study)[1:]


def seed_dir(study, seed="{seed}"):
    """Where an extra seed's files go (by default with the `seed` wildcard)."""
    return f"{RESULTS}/{study}/seeds/{seed}"


def seed_metrics(study):
    """{seed: its metrics.json} for every seed of `study`: the base seed's at the study's own
    path, each extra seed's under seed_dir."""
    files = {config["seed"]: f"{RESULTS}/{study}/metrics.json"}
    for seed in extra_seeds(study):
        files[seed] = f"{seed_dir(study, seed)}/metrics.json"
    return files


def seed_outputs(study):
    """An extra seed's outputs: its metrics and the study's own files, no figure or table (the
    base seed's show the study)."""
    outputs = {"metrics": f"{seed_dir(study)}/metrics.json"}
    for name, file in STUDIES[study].outputs.items():
        outputs[name] = f"{seed_dir(study)}/{file}"
    return outputs


def seed_checkpoint(study):
    """The params function giving an extra seed's own checkpoint path (or None)."""
    base = training_checkpoint(study)
    if base is None:
        return lambda wildcards: None
    folder = base.removesuffix(".pt")
    return lambda wildcards: f"{folder}/seed-{wildcards.seed}.pt"


def study_resources(study):
    """The rule's resources: gpu=1 for a training study; mem_mb: the scale's (config mem_mb)
    where it sets one, else its row's (the full run's, from the rehearsal)."""
    row = STUDIES[study]
    resources = {"gpu": 1} if row.gpu else {}
    mem_mb = config.get("mem_mb") or row.mem_mb
    if mem_mb:
        resources["mem_mb"] = mem_mb
    return resources


def study_logs(study, seed=None):
    """A study rule's logs: its log, and in a rehearsal (config key rehearsal) the record of what
    ran (hundreddays.rehearsal.record; a log, so that a failed run keeps it)."""
    name = study if seed is None else f"{study}/seed-{seed}"
    logs = {"log": f"logs/{name}.log"}
    if REHEARSAL:
        logs["rehearsal"] = f"logs/rehearsal/{name}.json"
    return logs


def not_run_claims(study):
    """The ids of `study`'s claims (shown in the figure of a study that cannot run here)."""
    return [c["id"] for c in CLAIMS if c["study"] == study]


def datasets_used():
    """Registry ids fetched for the studies of this workflow (local copies are not), sorted."""
    return sorted({d for s in STUDIES for d in datasets_of(s)} - set(LOCAL_COPIES))


def verified_local_copies():
    """{dataset: what verify_local_copy found} for each local copy a study reads: the layout of
    every one checked (one error names each refused folder, and then none is pinned), then its
    manifest pinned (first use) or every file checked against it. This runs each time the
    workflow is read, so no rerun skips it (a rule's "verified" output would be).
    """
    read = {d for s in STUDIES for d in datasets_of(s)}
    copies = {d: LOCAL_COPIES[d] for d in sorted(read & set(LOCAL_COPIES))}
    verified = verify_local_copies(copies, config["lockfile"])
    for d in verified:
        if verified[d]["pinned_now"]:
            print(
                f"local copy of {d}: pinned {verified[d]['files']} files of "
                f"{LOCAL_COPIES[d]} in {verified[d]['manifest']}",
                file=sys.stderr,
            )
    return verified


LOCAL = verified_local_copies()


def local_copy_records():
    """The report's provenance rows of the local copies read (source "local copy <folder>")."""
    return [report_record(LOCAL[d]) for d in sorted(LOCAL)]


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


def rule_file(name):
    """The .smk file, relative to the workflow, that defines rule `name`."""
    return os.path.relpath(getattr(rules, name).rule.snakefile, workflow.basedir)


def study_figure(study):
    return f"{RESULTS}/figures/{study}.png"


def training_checkpoint(study):
    """Where a training study that reads a dataset keeps its per-epoch checkpoint (deleted when
    the rule succeeds), else None."""
    if STUDIES[study].gpu and datasets_of(study):
        return f"{RESULTS}/checkpoints/{study}.pt"
    return None


def study_table(study):
    return f"{RESULTS}/{study}/table.csv"


def study_tables():
    """{study: its table} of the studies that write one (not those that cannot run here)."""
    return {s: study_table(s) for s in STUDIES if STUDIES[s].table and s not in NOT_RUN}


def lock_file():
    """The lock file, where the workflow has one (a copy of the workflow may not)."""
    return [LOCK_FILE] if os.path.isfile(LOCK_FILE) else []


def final_outputs():
    """The final targets: the report and everything it shows."""
    return [
        f"{RESULTS}/metrics.csv",
        f"{RESULTS}/claims.csv",
        f"{RESULTS}/REPORT.md",
        f"{RESULTS}/REPORT.html",
    ]
