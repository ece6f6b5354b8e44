# Studies of fast.ai's "Computational Linear Algebra" course (log days 1-15).


rule float_stability:
    output:
        metrics=f"{RESULTS}/float_stability/metrics.json",
        figure=report(
            study_figure("float_stability"),
            caption="../report/float_stability.rst",
            category="Days 1-15",
        ),
    log:
        "logs/float_stability.log",
    benchmark:
        "benchmarks/float_stability.tsv"
    conda:
        "../envs/workflow.yaml"
    params:
        cfg=config["studies"]["float_stability"],
    script:
        "../scripts/float_stability.py"


rule conv_speedup:
    output:
        metrics=f"{RESULTS}/conv_speedup/metrics.json",
        table=report(
            study_table("conv_speedup"),
            caption="../report/conv_speedup.rst",
            category="Days 1-15",
        ),
        figure=report(
            study_figure("conv_speedup"),
            caption="../report/conv_speedup.rst",
            category="Days 1-15",
        ),
    log:
        "logs/conv_speedup.log",
    benchmark:
        "benchmarks/conv_speedup.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 2
    resources:
        mem_mb=1500,
    params:
        cfg=config["studies"]["conv_speedup"],
        seed=config["seed"],
        log_speedup=reported("conv_speedup.scheduled_to_naive_speedup"),
    script:
        "../scripts/conv_speedup.py"


rule ct_compressed_sensing:
    output:
        metrics=f"{RESULTS}/ct_compressed_sensing/metrics.json",
        figure=report(
            study_figure("ct_compressed_sensing"),
            caption="../report/ct_compressed_sensing.rst",
            category="Days 1-15",
        ),
    log:
        "logs/ct_compressed_sensing.log",
    benchmark:
        "benchmarks/ct_compressed_sensing.tsv"
    conda:
        "../envs/workflow.yaml"
    params:
        cfg=config["studies"]["ct_compressed_sensing"],
        seed=config["seed"],
    script:
        "../scripts/ct_compressed_sensing.py"


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


rule svd_denoise:
    output:
        metrics=f"{RESULTS}/svd_denoise/metrics.json",
        table=report(
            study_table("svd_denoise"),
            caption="../report/svd_denoise.rst",
            category="Days 1-15",
        ),
        figure=report(
            study_figure("svd_denoise"),
            caption="../report/svd_denoise.rst",
            category="Days 1-15",
        ),
    log:
        "logs/svd_denoise.log",
    benchmark:
        "benchmarks/svd_denoise.tsv"
    conda:
        "../envs/workflow.yaml"
    params:
        cfg=config["studies"]["svd_denoise"],
        seed=config["seed"],
    script:
        "../scripts/svd_denoise.py"


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


rule nmf_topics:
    input:
        data=f"{DATA}/newsgroups20",
    output:
        metrics=f"{RESULTS}/nmf_topics/metrics.json",
        table=report(
            study_table("nmf_topics"),
            caption="../report/nmf_topics.rst",
            category="Days 1-15",
        ),
        figure=report(
            study_figure("nmf_topics"),
            caption="../report/nmf_topics.rst",
            category="Days 1-15",
        ),
    log:
        "logs/nmf_topics.log",
    benchmark:
        "benchmarks/nmf_topics.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 2
    resources:
        mem_mb=4000,
    params:
        cfg=config["studies"]["nmf_topics"],
        seed=config["seed"],
    script:
        "../scripts/nmf_topics.py"


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


rule pagerank_dbpedia:
    input:
        data=f"{DATA}/dbpedia",
    output:
        metrics=f"{RESULTS}/pagerank_dbpedia/metrics.json",
        table=report(
            study_table("pagerank_dbpedia"),
            caption="../report/pagerank_dbpedia.rst",
            category="Days 1-15",
        ),
        figure=report(
            study_figure("pagerank_dbpedia"),
            caption="../report/pagerank_dbpedia.rst",
            category="Days 1-15",
        ),
    log:
        "logs/pagerank_dbpedia.log",
    benchmark:
        "benchmarks/pagerank_dbpedia.tsv"
    conda:
        "../envs/workflow.yaml"
    resources:
        mem_mb=16000,
    params:
        cfg=config["studies"]["pagerank_dbpedia"],
        seed=config["seed"],
    script:
        "../scripts/pagerank_dbpedia.py"
