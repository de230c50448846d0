# Model packages: each seed of a regional LSTM experiment and the ensemble of its seeds as one
# self-contained zip (camels_lstm.packages, docs/packages.md), usable without the workflow by
# `camels-lstm predict`; a hybrid's package also carries its conceptual models' parameters. Zipping a few model files is quick: it runs beside Snakemake, not as a
# cluster job.
localrules:
    package_model,


rule package_model:
    input:
        models=lambda wildcards: PLAN.package_models(
            wildcards.experiment, wildcards.member
        ),
        conceptual=lambda wildcards: PLAN.package_conceptual_files(wildcards.experiment),
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
        conceptual=lambda wildcards: PLAN.package_conceptual(wildcards.experiment),
        train_period=config["periods"]["train"],
    script:
        "../workflow/scripts/write_package.py"
