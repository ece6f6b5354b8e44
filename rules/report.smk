# The report: every metric, every claim of the log with its verdict, every figure.


localrules:
    not_run,


# A study that cannot run here (NOT_RUN: Kaggle data without credentials) still answers: its
# metrics file says why, so the report gives each of its claims that reason, and so does its figure.
rule not_run:
    output:
        metrics=f"{RESULTS}/{{study}}/metrics.json",
        figure=report(
            f"{RESULTS}/figures/{{study}}.png",
            caption="../report/not_run.rst",
            category=" / ".join(sorted({STUDIES[s].category for s in NOT_RUN})),
        ),
    log:
        "logs/{study}.log",
    wildcard_constraints:
        study="|".join(NOT_RUN) or "(?!)",
    conda:
        "../envs/workflow.yaml"
    params:
        reason=lambda wildcards: NOT_RUN[wildcards.study],
        claims=lambda wildcards: not_run_claims(wildcards.study),
    script:
        "../scripts/not_run.py"


rule report:
    input:
        metrics=[f"{RESULTS}/{s}/metrics.json" for s in STUDIES],
        figures=[study_figure(s) for s in STUDIES],
        captions=[f"report/{s}.rst" for s in STUDIES],
        tables=list(study_tables().values()),
        claims=CLAIMS_FILE,
        records=fetch_records(),
    output:
        metrics_csv=f"{RESULTS}/metrics.csv",
        timings_csv=f"{RESULTS}/timings.csv",
        claims_csv=report(
            f"{RESULTS}/claims.csv", caption="../report/claims.rst", category="Claims"
        ),
        report_md=f"{RESULTS}/REPORT.md",
    log:
        "logs/report.log",
    conda:
        "../envs/workflow.yaml"
    params:
        studies=list(STUDIES),
        titles={s: STUDIES[s].heading for s in STUDIES},
        scale=config["scale"],
        rule_files={s: rule_file("not_run" if s in NOT_RUN else s) for s in STUDIES},
        code={
            s: (
                "scripts/not_run.py"
                if s in NOT_RUN
                else f"src/hundreddays/studies/{s}.py (scripts/run_study.py)"
            )
            for s in STUDIES
        },
        inputs={s: datasets_of(s) for s in STUDIES},
        local_copies=local_copy_records(),
        tables=study_tables(),
    script:
        "../scripts/report.py"
