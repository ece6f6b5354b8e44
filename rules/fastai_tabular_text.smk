# fast.ai lessons 2-4 beyond images (days 18-30): fastai's tensor(), IMDB sentiment with ULMFiT,
# the Adult tabular model and MovieLens collaborative filtering.


rule fastai_tensor:
    output:
        metrics=f"{RESULTS}/fastai_tensor/metrics.json",
        figure=report(
            study_figure("fastai_tensor"),
            caption="../report/fastai_tensor.rst",
            category="Days 16-53",
        ),
        table=study_table("fastai_tensor"),
    log:
        "logs/fastai_tensor.log",
    conda:
        "../envs/workflow.yaml"
    script:
        "../scripts/fastai_tensor.py"


rule adult_tabular:
    input:
        unpack(lambda wildcards: study_inputs("adult_tabular")),
    output:
        metrics=f"{RESULTS}/adult_tabular/metrics.json",
        figure=report(
            study_figure("adult_tabular"),
            caption="../report/adult_tabular.rst",
            category="Days 16-53",
        ),
        table=study_table("adult_tabular"),
    log:
        "logs/adult_tabular.log",
    benchmark:
        "benchmarks/adult_tabular.tsv"
    conda:
        "../envs/workflow.yaml"
    resources:
        gpu=1,
    params:
        cfg=config["studies"]["adult_tabular"],
        seed=config["seed"],
        log_accuracy=reported("adult_tabular.accuracy"),
        lesson_accuracy=reported("adult_tabular.lesson_split_accuracy"),
    script:
        "../scripts/adult_tabular.py"


rule movielens_collab:
    input:
        unpack(lambda wildcards: study_inputs("movielens_collab")),
    output:
        metrics=f"{RESULTS}/movielens_collab/metrics.json",
        figure=report(
            study_figure("movielens_collab"),
            caption="../report/movielens_collab.rst",
            category="Days 16-53",
        ),
    log:
        "logs/movielens_collab.log",
    benchmark:
        "benchmarks/movielens_collab.tsv"
    conda:
        "../envs/workflow.yaml"
    resources:
        gpu=1,
    params:
        cfg=config["studies"]["movielens_collab"],
        seed=config["seed"],
    script:
        "../scripts/movielens_collab.py"


rule imdb:
    input:
        unpack(lambda wildcards: study_inputs("imdb")),
    output:
        metrics=f"{RESULTS}/imdb/metrics.json",
        figure=report(
            study_figure("imdb"),
            caption="../report/imdb.rst",
            category="Days 16-53",
        ),
        table=study_table("imdb"),
    log:
        "logs/imdb.log",
    benchmark:
        "benchmarks/imdb.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 2
    resources:
        gpu=1,
        mem_mb=16000,
    params:
        cfg=config["studies"]["imdb"],
        seed=config["seed"],
        log_frozen_accuracy=reported("imdb.frozen_accuracy"),
        log_unfrozen_accuracy=reported("imdb.unfrozen_accuracy"),
        log_epoch_seconds=reported("imdb.classifier_epoch_seconds"),
    script:
        "../scripts/imdb.py"
