# Reproduces the figures and reported numbers of the "100days" study log (days 1-53).
#   full scale:  snakemake --cores 8 --resources gpu=1
#   demo scale:  snakemake --profile profiles/demo      (offline, CPU, minutes)
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"


wildcard_constraints:
    dataset="|".join(sorted(REGISTRY)),
    study="|".join(sorted(STUDIES)),


include: "rules/data.smk"
include: "rules/studies.smk"
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        final_outputs(),
