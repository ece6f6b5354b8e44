# Studies of fast.ai's "Computational Linear Algebra" course (log days 1-15).


rule fibonacci:
    output:
        metrics=f"{RESULTS}/fibonacci/metrics.json",
        figure=report(
            study_figure("fibonacci"),
            caption="../report/fibonacci.rst",
            category="Days 1-15",
        ),
    log:
        "logs/fibonacci.log",
    benchmark:
        "benchmarks/fibonacci.tsv"
    conda:
        "../envs/workflow.yaml"
    params:
        cfg=config["studies"]["fibonacci"],
        log_seconds=reported("fibonacci.matrix_power_fib100000_seconds"),
    script:
        "../scripts/fibonacci.py"


rule svd_background:
    input:
        data=f"{DATA}/ucsd_bgsub",
    output:
        metrics=f"{RESULTS}/svd_background/metrics.json",
        figure=report(
            study_figure("svd_background"),
            caption="../report/svd_background.rst",
            category="Days 1-15",
        ),
    log:
        "logs/svd_background.log",
    benchmark:
        "benchmarks/svd_background.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 2
    resources:
        mem_mb=4000,
    params:
        cfg=config["studies"]["svd_background"],
        seed=config["seed"],
    script:
        "../scripts/svd_background.py"
