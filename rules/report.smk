# The report: every metric, every claim of the log with its verdict, every figure.


rule report:
    input:
        metrics=[f"{RESULTS}/{s}/metrics.json" for s in STUDIES],
        figures=[study_figure(s) for s in STUDIES],
        captions=[f"report/{s}.rst" for s in STUDIES],
        tables=[study_table(s) for s in STUDIES if STUDIES[s].get("table")],
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
        titles={s: STUDIES[s]["figure"] for s in STUDIES},
        scale=config["scale"],
        rule_files={s: rule_file(s) for s in STUDIES},
        inputs={s: datasets_of(s) for s in STUDIES},
        tables={s: study_table(s) for s in STUDIES if STUDIES[s].get("table")},
    script:
        "../scripts/report.py"
