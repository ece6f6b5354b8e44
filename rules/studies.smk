# One rule per row of studies.yaml, all from this template: the study's inputs (its datasets and,
# when its config says pretrained: true, its weights, plus what it reads from another study), its
# outputs (metrics, figure, table and its own files, each shown in the HTML report), log,
# benchmark, threads and resources, and the log's reference values from claims.yaml. Every rule
# runs scripts/run_study.py, which calls the study's module (hundreddays.runner).
# That rule runs the base seed (config `seed`); a second rule per study, <study>_seeds, runs each
# extra seed (study_seeds: config `seeds` in all, one where the row's one_seed says why) as the
# wildcard `seed`, so that a cluster spreads them: only its metrics (and the study's own files)
# under <results>/<study>/seeds/<seed>/, its own log, benchmark and checkpoint.
# A study whose data cannot be read here runs without it where its row names data-free metrics
# (params.without_data: it measures those only); otherwise rule not_run (rules/report.smk)
# answers instead.
for study in (s for s in STUDIES if s not in NOT_RUN):

    rule:
        name:
            study
        input:
            **study_inputs(study),
        output:
            **study_outputs(study),
        log:
            **study_logs(study),
        benchmark:
            f"benchmarks/{study}.tsv"
        conda:
            "../envs/workflow.yaml"
        threads: STUDIES[study].threads
        resources:
            **study_resources(study),
        params:
            study=study,
            cfg=config["studies"][study],
            seed=config["seed"],
            scale=config["scale"],
            reference=reference_of(study, CLAIMS),
            checkpoint=training_checkpoint(study),
            table=STUDIES[study].table,
            without_data=without_data(study),
            rehearsal=REHEARSAL,
        script:
            "../scripts/run_study.py"

    if extra_seeds(study):

        rule:
            name:
                f"{study}_seeds"
            input:
                **study_inputs(study),
            output:
                **seed_outputs(study),
            log:
                **study_logs(study, "{seed}"),
            benchmark:
                f"benchmarks/{study}/seed-{{seed}}.tsv"
            wildcard_constraints:
                seed=r"\d+",
            conda:
                "../envs/workflow.yaml"
            threads: STUDIES[study].threads
            resources:
                **study_resources(study),
            params:
                study=study,
                cfg=config["studies"][study],
                seed=lambda wildcards: int(wildcards.seed),
                scale=config["scale"],
                reference=reference_of(study, CLAIMS),
                checkpoint=seed_checkpoint(study),
                table=False,
                without_data=without_data(study),
                rehearsal=REHEARSAL,
            script:
                "../scripts/run_study.py"
