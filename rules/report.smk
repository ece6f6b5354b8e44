# The report: every metric, every claim of the log with its verdict, every figure.


rule report:
    input:
        metrics=expand(f"{RESULTS}/{{study}}/metrics.json", study=sorted(STUDIES)),
        figures=[study_figure(s) for s in sorted(STUDIES)],
        claims=CLAIMS_FILE,
        records=fetch_records(),
    output:
        metrics_csv=f"{RESULTS}/metrics.csv",
        claims_csv=report(
            f"{RESULTS}/claims.csv", caption="../report/claims.rst", category="Claims"
        ),
        report_md=f"{RESULTS}/REPORT.md",
    log:
        "logs/report.log",
    conda:
        "../envs/workflow.yaml"
    params:
        studies=sorted(STUDIES),
        titles={s: STUDIES[s]["figure"] for s in sorted(STUDIES)},
        scale=config["scale"],
        rule_files={s: rule_file(s) for s in sorted(STUDIES)},
        inputs={s: STUDIES[s]["datasets"] for s in sorted(STUDIES)},
    script:
        "../scripts/report.py"
