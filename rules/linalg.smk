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


rule randomized_svd:
    input:
        data=f"{DATA}/ucsd_bgsub",
    output:
        metrics=f"{RESULTS}/randomized_svd/metrics.json",
        table=report(
            study_table("randomized_svd"),
            caption="../report/randomized_svd.rst",
            category="Days 1-15",
        ),
        figure=report(
            study_figure("randomized_svd"),
            caption="../report/randomized_svd.rst",
            category="Days 1-15",
        ),
    log:
        "logs/randomized_svd.log",
    benchmark:
        "benchmarks/randomized_svd.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 2
    resources:
        mem_mb=6000,
    params:
        cfg=config["studies"]["randomized_svd"],
        seed=config["seed"],
    script:
        "../scripts/randomized_svd.py"


rule householder_qr:
    output:
        metrics=f"{RESULTS}/householder_qr/metrics.json",
        figure=report(
            study_figure("householder_qr"),
            caption="../report/householder_qr.rst",
            category="Days 1-15",
        ),
    log:
        "logs/householder_qr.log",
    benchmark:
        "benchmarks/householder_qr.tsv"
    conda:
        "../envs/workflow.yaml"
    params:
        cfg=config["studies"]["householder_qr"],
        seed=config["seed"],
    script:
        "../scripts/householder_qr.py"
