# Data rules: build the demo mirror, fetch each registry file (by hand, mirror, upstream; verified),
# and prepare each dataset folder (safe extraction). All run locally: compute nodes often have no
# internet, and they are I/O, not compute.
import re

from hundreddays.data.fetch import by_hand_path


localrules:
    build_demo_mirror,
    fetch_file,
    prepare_dataset,


wildcard_constraints:
    filename="|".join(
        sorted({re.escape(n) for d in REGISTRY.values() for n in d.files})
    ),


rule build_demo_mirror:
    output:
        manifest=f"{DEMO_MIRROR}/manifest.yaml",
    log:
        "logs/data/build_demo_mirror.log",
    conda:
        "../envs/workflow.yaml"
    params:
        datasets=datasets_used(),
        seed=config["seed"],
        rehearsal=REHEARSAL_MIRROR,
    script:
        "../scripts/build_demo_mirror.py"


rule fetch_file:
    input:
        mirror_manifest(),
    output:
        file=f"{DATA}/raw/{{dataset}}/{{filename}}",
        record=f"{DATA}/fetch-records/{{dataset}}/{{filename}}.json",
    log:
        "logs/data/fetch_{dataset}_{filename}.log",
    retries: 1
    conda:
        "../envs/workflow.yaml"
    params:
        settings=fetch_settings(),
        lockfile=config["lockfile"],
        registry=REGISTRY_FILE,
        # a file placed by hand: never an output, so never deleted before the job (README, Data)
        by_hand=lambda w: str(by_hand_path(DATA, REGISTRY[w.dataset].files[w.filename])),
    script:
        "../scripts/fetch_file.py"


rule prepare_dataset:
    input:
        lambda wildcards: raw_files(wildcards.dataset),
    output:
        directory(f"{DATA}/{{dataset}}"),
    log:
        "logs/data/prepare_{dataset}.log",
    conda:
        "../envs/workflow.yaml"
    params:
        raw_dir=lambda wildcards: f"{DATA}/raw/{wildcards.dataset}",
        registry=REGISTRY_FILE,
    script:
        "../scripts/prepare_dataset.py"
