# The report: every metric, every claim of the log with its verdict, every figure.


localrules:
    not_run,
    log_figures,
    environment,


# A study that cannot run here (NOT_RUN: Kaggle data without credentials, or the config's skip,
# and no data-free metrics in its row) still answers: its metrics file says why, so the report
# gives each of its claims that reason, and so does its figure (in the HTML report under the
# study's own category, as if it had run).
rule not_run:
    output:
        metrics=f"{RESULTS}/{{study}}/metrics.json",
        figure=report(
            f"{RESULTS}/figures/{{study}}.png",
            caption="../report/not_run.rst",
            category=lambda wildcards: STUDIES[wildcards.study].category,
            labels=lambda wildcards: STUDIES[wildcards.study].report_labels(
                "not run (why)"
            ),
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


# The log's own images at the pinned commit of its repository (log_figures.yaml), verified like a
# dataset file; a local rule (compute nodes often have no internet). The offline demo downloads
# nothing, and a failed download is no error: the report then links to the original.
rule log_figures:
    input:
        registry="log_figures.yaml",
    output:
        directory(f"{RESULTS}/log-figures"),
    log:
        "logs/log_figures.log",
    conda:
        "../envs/workflow.yaml"
    params:
        fetch=not config["build_demo_mirror"],
        mirror=fetch_settings()["mirror"],
    script:
        "../scripts/log_figures.py"


# The software the run ran on: the lock file's sha256 (where the workflow has one) and every
# installed version. The fingerprint of what is installed reruns it (and so the report) whenever a
# package changes.
rule environment:
    input:
        lock_file(),
    output:
        f"{RESULTS}/{RECORD_FILE}",
    log:
        "logs/environment.log",
    conda:
        "../envs/workflow.yaml"
    params:
        installed=installed_fingerprint(),
    script:
        "../scripts/environment.py"


rule report:
    input:
        metrics=[m for s in STUDIES for m in seed_metrics(s).values()],
        figures=[study_figure(s) for s in STUDIES],
        captions=[f"report/{s}.rst" for s in STUDIES],
        tables=list(study_tables().values()),
        claims=CLAIMS_FILE,
        records=fetch_records(),
        log_figures=f"{RESULTS}/log-figures",
        environment=f"{RESULTS}/{RECORD_FILE}",
    output:
        metrics_csv=f"{RESULTS}/metrics.csv",
        timings_csv=f"{RESULTS}/timings.csv",
        # the HTML report lists a category's entries by their first label, as text
        claims_csv=report(
            f"{RESULTS}/claims.csv",
            caption="../report/claims.rst",
            category="Claims",
            labels={"contents": "The claims as data (claims.csv)"},
        ),
        report_md=f"{RESULTS}/REPORT.md",
        # REPORT.md as one page: every table of it in the HTML report
        report_html=report(
            f"{RESULTS}/REPORT.html",
            caption="../report/report_html.rst",
            category="Claims",
            labels={"contents": "Report on one page (REPORT.md)"},
        ),
    log:
        "logs/report.log",
    conda:
        "../envs/workflow.yaml"
    params:
        studies=list(STUDIES),
        seeds={s: list(seed_metrics(s)) for s in STUDIES},
        titles={s: STUDIES[s].heading for s in STUDIES},
        scale=config["scale"],
        # study -> why its numbers are not comparable with the log's here (None: comparable)
        not_comparable=NOT_COMPARABLE,
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


# A finished run (never a dry-run: Snakemake calls this only after jobs ran) ends by naming where
# its report is, and the command for the HTML report with the run's own configuration.
onsuccess:
    from hundreddays.report_location import end_message, html_report_command

    print(
        end_message(
            f"{RESULTS}/REPORT.md",
            html_report_command(
                RESULTS,
                workflow.config_settings.configfiles,
                workflow.config_settings.config,
            ),
        )
    )
