# Model packages: each seed of a regional LSTM experiment and the ensemble of its seeds as one
# self-contained zip (camels_lstm.packages, docs/packages.md), usable without the workflow by
# `camels-lstm predict`. Zipping a few model files is quick: it runs beside Snakemake, not as a
# cluster job.
localrules:
    package_model,


rule package_model:
    input:
        models=lambda wildcards: PLAN.package_models(
            wildcards.experiment, wildcards.member
        ),
    output:
        package=paths.PACKAGE,
    log:
        "logs/package/{experiment}/{member}.log",
    benchmark:
        "logs/benchmarks/package/{experiment}/{member}.tsv"
    wildcard_constraints:
        experiment=PLAN.package_pattern(),
        member=r"seed\d+|ensemble",
    conda:
        "../envs/training.yaml"
    threads: 1
    resources:
        mem_mb=2048,
    params:
        members=lambda wildcards: PLAN.package_members(
            wildcards.experiment, wildcards.member
        ),
        data=lambda wildcards: PLAN.package_data(wildcards.experiment),
    script:
        "../workflow/scripts/write_package.py"
