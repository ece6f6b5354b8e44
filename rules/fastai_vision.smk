# fast.ai lessons 1-3 with images (days 16-29): pets, whale, planet, CamVid, head pose, and the
# pets classifier in ONNX. Training rules run on the GPU when there is one (mixed precision).


# A Kaggle study that cannot run here is answered by rule not_run (rules/report.smk).
if "whale" not in NOT_RUN:

    rule whale:
        input:
            unpack(lambda wildcards: study_inputs("whale")),
        output:
            metrics=f"{RESULTS}/whale/metrics.json",
            figure=report(
                study_figure("whale"),
                caption="../report/whale.rst",
                category="Days 16-53",
            ),
        log:
            "logs/whale.log",
        benchmark:
            "benchmarks/whale.tsv"
        conda:
            "../envs/workflow.yaml"
        threads: 2
        resources:
            gpu=1,
            mem_mb=16000,
        params:
            cfg=config["studies"]["whale"],
            seed=config["seed"],
            scale=config["scale"],
            log_scores={
                "first": reported("whale.first_submission_map5"),
                "improved": reported("whale.improved_map5"),
            },
        script:
            "../scripts/whale.py"


if "planet" not in NOT_RUN:

    rule planet:
        input:
            unpack(lambda wildcards: study_inputs("planet")),
        output:
            metrics=f"{RESULTS}/planet/metrics.json",
            figure=report(
                study_figure("planet"),
                caption="../report/planet.rst",
                category="Days 16-53",
            ),
            table=study_table("planet"),
        log:
            "logs/planet.log",
        benchmark:
            "benchmarks/planet.tsv"
        conda:
            "../envs/workflow.yaml"
        threads: 2
        resources:
            gpu=1,
            mem_mb=16000,
        params:
            cfg=config["studies"]["planet"],
            seed=config["seed"],
            f2_threshold=claim_threshold("planet.valid_f2"),
        script:
            "../scripts/planet.py"


rule pets:
    input:
        unpack(lambda wildcards: study_inputs("pets")),
    output:
        metrics=f"{RESULTS}/pets/metrics.json",
        figure=report(
            study_figure("pets"),
            caption="../report/pets.rst",
            category="Days 16-53",
        ),
        model=f"{RESULTS}/pets/model.pth",
        recipe=f"{RESULTS}/pets/model.json",
    log:
        "logs/pets.log",
    benchmark:
        "benchmarks/pets.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 2
    resources:
        gpu=1,
        mem_mb=16000,
    params:
        cfg=config["studies"]["pets"],
        seed=config["seed"],
        log_error_rate=reported("pets.error_rate"),
    script:
        "../scripts/pets.py"


# CPU only: the learner is rebuilt on the CPU in float32 and onnxruntime runs on the CPU.
rule onnx_export:
    input:
        data=f"{DATA}/pets",
        model=f"{RESULTS}/pets/model.pth",
        recipe=f"{RESULTS}/pets/model.json",
    output:
        metrics=f"{RESULTS}/onnx_export/metrics.json",
        figure=report(
            study_figure("onnx_export"),
            caption="../report/onnx_export.rst",
            category="Days 16-53",
        ),
        onnx=f"{RESULTS}/onnx_export/pets.onnx",
    log:
        "logs/onnx_export.log",
    benchmark:
        "benchmarks/onnx_export.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 2
    resources:
        mem_mb=8000,
    params:
        cfg=config["studies"]["onnx_export"],
        seed=config["seed"],
    script:
        "../scripts/onnx_export.py"


rule camvid:
    input:
        unpack(lambda wildcards: study_inputs("camvid")),
    output:
        metrics=f"{RESULTS}/camvid/metrics.json",
        figure=report(
            study_figure("camvid"),
            caption="../report/camvid.rst",
            category="Days 16-53",
        ),
        table=study_table("camvid"),
    log:
        "logs/camvid.log",
    benchmark:
        "benchmarks/camvid.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 2
    resources:
        gpu=1,
        mem_mb=16000,
    params:
        cfg=config["studies"]["camvid"],
        seed=config["seed"],
        log_pixel_accuracy=reported("camvid.pixel_accuracy"),
    script:
        "../scripts/camvid.py"


rule head_pose:
    input:
        unpack(lambda wildcards: study_inputs("head_pose")),
    output:
        metrics=f"{RESULTS}/head_pose/metrics.json",
        figure=report(
            study_figure("head_pose"),
            caption="../report/head_pose.rst",
            category="Days 16-53",
        ),
    log:
        "logs/head_pose.log",
    benchmark:
        "benchmarks/head_pose.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 2
    resources:
        gpu=1,
        mem_mb=16000,
    params:
        cfg=config["studies"]["head_pose"],
        seed=config["seed"],
    script:
        "../scripts/head_pose.py"
