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
        checkpoint=checkpoint("mnist_logreg"),
    script:
        "../scripts/mnist_logreg.py"
