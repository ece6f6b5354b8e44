# PyTorch experiments of the log (days 19, 28, 33-39, 47-52).


rule mnist_logreg:
    input:
        data=f"{DATA}/mnist",
    output:
        metrics=f"{RESULTS}/mnist_logreg/metrics.json",
        figure=report(
            study_figure("mnist_logreg"),
            caption="../report/mnist_logreg.rst",
            category="Days 16-53",
        ),
    log:
        "logs/mnist_logreg.log",
    benchmark:
        "benchmarks/mnist_logreg.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 2
    resources:
        gpu=1,
        mem_mb=4000,
    params:
        cfg=config["studies"]["mnist_logreg"],
        log_accuracy=reported("mnist_logreg.test_accuracy"),
        seed=config["seed"],
        checkpoint=training_checkpoint("mnist_logreg"),
    script:
        "../scripts/mnist_logreg.py"


rule sgd_line:
    output:
        metrics=f"{RESULTS}/sgd_line/metrics.json",
        figure=report(
            study_figure("sgd_line"),
            caption="../report/sgd_line.rst",
            category="Days 16-53",
        ),
    log:
        "logs/sgd_line.log",
    benchmark:
        "benchmarks/sgd_line.tsv"
    conda:
        "../envs/workflow.yaml"
    resources:
        gpu=1,
    params:
        cfg=config["studies"]["sgd_line"],
        seed=config["seed"],
    script:
        "../scripts/sgd_line.py"


rule softmax_pitfall:
    output:
        metrics=f"{RESULTS}/softmax_pitfall/metrics.json",
        figure=report(
            study_figure("softmax_pitfall"),
            caption="../report/softmax_pitfall.rst",
            category="Days 16-53",
        ),
    log:
        "logs/softmax_pitfall.log",
    benchmark:
        "benchmarks/softmax_pitfall.tsv"
    conda:
        "../envs/workflow.yaml"
    resources:
        gpu=1,
    params:
        cfg=config["studies"]["softmax_pitfall"],
        seed=config["seed"],
    script:
        "../scripts/softmax_pitfall.py"


rule weight_decay:
    input:
        data=f"{DATA}/mnist",
    output:
        metrics=f"{RESULTS}/weight_decay/metrics.json",
        table=report(
            study_table("weight_decay"),
            caption="../report/weight_decay.rst",
            category="Days 16-53",
        ),
        figure=report(
            study_figure("weight_decay"),
            caption="../report/weight_decay.rst",
            category="Days 16-53",
        ),
    log:
        "logs/weight_decay.log",
    benchmark:
        "benchmarks/weight_decay.tsv"
    conda:
        "../envs/workflow.yaml"
    resources:
        gpu=1,
        mem_mb=4000,
    params:
        cfg=config["studies"]["weight_decay"],
        seed=config["seed"],
        log_values={
            key: reported(f"weight_decay.{key}")
            for key in ("torch_adam_default", "fastai_default_wd")
        },
    script:
        "../scripts/weight_decay.py"


rule mnist_mlp:
    input:
        data=f"{DATA}/mnist",
    output:
        metrics=f"{RESULTS}/mnist_mlp/metrics.json",
        figure=report(
            study_figure("mnist_mlp"),
            caption="../report/mnist_mlp.rst",
            category="Days 16-53",
        ),
    log:
        "logs/mnist_mlp.log",
    benchmark:
        "benchmarks/mnist_mlp.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 2
    resources:
        gpu=1,
        mem_mb=4000,
    params:
        cfg=config["studies"]["mnist_mlp"],
        log_accuracy=reported("mnist_mlp.test_accuracy"),
        seed=config["seed"],
        checkpoint=training_checkpoint("mnist_mlp"),
    script:
        "../scripts/mnist_mlp.py"


rule mnist_cnn:
    input:
        data=f"{DATA}/mnist",
    output:
        metrics=f"{RESULTS}/mnist_cnn/metrics.json",
        figure=report(
            study_figure("mnist_cnn"),
            caption="../report/mnist_cnn.rst",
            category="Days 16-53",
        ),
    log:
        "logs/mnist_cnn.log",
    benchmark:
        "benchmarks/mnist_cnn.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 2
    resources:
        gpu=1,
        mem_mb=4000,
    params:
        cfg=config["studies"]["mnist_cnn"],
        log_accuracy=reported("mnist_cnn.test_accuracy"),
        seed=config["seed"],
        checkpoint=training_checkpoint("mnist_cnn"),
    script:
        "../scripts/mnist_cnn.py"


rule line_fit_ignite:
    output:
        metrics=f"{RESULTS}/line_fit_ignite/metrics.json",
        figure=report(
            study_figure("line_fit_ignite"),
            caption="../report/line_fit_ignite.rst",
            category="Days 16-53",
        ),
    log:
        "logs/line_fit_ignite.log",
    benchmark:
        "benchmarks/line_fit_ignite.tsv"
    conda:
        "../envs/workflow.yaml"
    resources:
        gpu=1,
    params:
        cfg=config["studies"]["line_fit_ignite"],
        seed=config["seed"],
    script:
        "../scripts/line_fit_ignite.py"


rule parabola_fit:
    output:
        metrics=f"{RESULTS}/parabola_fit/metrics.json",
        figure=report(
            study_figure("parabola_fit"),
            caption="../report/parabola_fit.rst",
            category="Days 16-53",
        ),
    log:
        "logs/parabola_fit.log",
    benchmark:
        "benchmarks/parabola_fit.tsv"
    conda:
        "../envs/workflow.yaml"
    resources:
        gpu=1,
    params:
        cfg=config["studies"]["parabola_fit"],
        seed=config["seed"],
    script:
        "../scripts/parabola_fit.py"


rule log_features:
    output:
        metrics=f"{RESULTS}/log_features/metrics.json",
        figure=report(
            study_figure("log_features"),
            caption="../report/log_features.rst",
            category="Days 16-53",
        ),
    log:
        "logs/log_features.log",
    benchmark:
        "benchmarks/log_features.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 2
    resources:
        gpu=1,
        mem_mb=4000,
    params:
        cfg=config["studies"]["log_features"],
        seed=config["seed"],
    script:
        "../scripts/log_features.py"


rule gp_dkl_elevators:
    input:
        data=f"{DATA}/elevators",
    output:
        metrics=f"{RESULTS}/gp_dkl_elevators/metrics.json",
        figure=report(
            study_figure("gp_dkl_elevators"),
            caption="../report/gp_dkl_elevators.rst",
            category="Days 16-53",
        ),
    log:
        "logs/gp_dkl_elevators.log",
    benchmark:
        "benchmarks/gp_dkl_elevators.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 2
    resources:
        gpu=1,
        mem_mb=8000,
    params:
        cfg=config["studies"]["gp_dkl_elevators"],
        seed=config["seed"],
    script:
        "../scripts/gp_dkl_elevators.py"


rule galaxy_analogues:
    output:
        metrics=f"{RESULTS}/galaxy_analogues/metrics.json",
        figure=report(
            study_figure("galaxy_analogues"),
            caption="../report/galaxy_analogues.rst",
            category="Days 16-53",
        ),
    log:
        "logs/galaxy_analogues.log",
    benchmark:
        "benchmarks/galaxy_analogues.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 2
    resources:
        gpu=1,
        mem_mb=8000,
    params:
        cfg=config["studies"]["galaxy_analogues"],
        seed=config["seed"],
    script:
        "../scripts/galaxy_analogues.py"
