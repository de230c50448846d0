# Training: one job per (experiment, basin, seed) for per-basin experiments and one per
# (experiment, seed) for regional ones. A checkpoint.pt beside each model (not an output, so a
# failed or preempted job keeps it) lets a rerun resume where the job stopped.


rule train_per_basin:
    input:
        store="results/data/camels_us.zarr",
        attributes="results/data/static_attributes.nc",
    output:
        model="results/{experiment}/{basin}/seed{seed}/model.pt",
    log:
        "logs/train/{experiment}/{basin}/seed{seed}.log",
    benchmark:
        "logs/benchmarks/train/{experiment}/{basin}/seed{seed}.tsv"
    wildcard_constraints:
        experiment=experiment_pattern("per_basin"),
    conda:
        "../envs/training.yaml"
    threads: config["training"]["threads"]
    resources:
        mem_mb=lambda wildcards, attempt: attempt
        * training_mem_mb(wildcards.experiment, 1),
    params:
        experiment=lambda wildcards: EXPERIMENTS[wildcards.experiment],
        basins=lambda wildcards: [wildcards.basin],
        periods=config["periods"],
        training=config["training"],
    script:
        "../workflow/scripts/train_model.py"


rule train_regional:
    input:
        store="results/data/camels_us.zarr",
        attributes="results/data/static_attributes.nc",
    output:
        model="results/{experiment}/seed{seed}/model.pt",
    log:
        "logs/train/{experiment}/seed{seed}.log",
    benchmark:
        "logs/benchmarks/train/{experiment}/seed{seed}.tsv"
    wildcard_constraints:
        experiment=experiment_pattern("regional"),
    conda:
        "../envs/training.yaml"
    threads: config["training"]["threads"]
    resources:
        mem_mb=lambda wildcards, attempt: attempt
        * training_mem_mb(wildcards.experiment, len(BASINS)),
    params:
        experiment=lambda wildcards: EXPERIMENTS[wildcards.experiment],
        basins=BASINS,
        periods=config["periods"],
        training=config["training"],
    script:
        "../workflow/scripts/train_model.py"
