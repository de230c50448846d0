# Evaluation: every trained model simulates the validation and test periods
# (results/<experiment>/[<basin>/]seed<seed>/predictions_<period>.nc); the members are stacked
# per experiment with their ensemble mean, then metrics per basin and a summary.
from camels_lstm.evaluation_workflow import prediction_inputs, seed_members


# Aggregation reads only the small per-model files: run it beside Snakemake, not as a cluster job.
localrules:
    aggregate_predictions,
    compute_metrics,
    summarise_metrics,


rule predict_per_basin:
    input:
        model="results/{experiment}/{basin}/seed{seed}/model.pt",
        store="results/data/camels_us.zarr",
    output:
        validation="results/{experiment}/{basin}/seed{seed}/predictions_validation.nc",
        test="results/{experiment}/{basin}/seed{seed}/predictions_test.nc",
    log:
        "logs/predict/{experiment}/{basin}/seed{seed}.log",
    benchmark:
        "logs/benchmarks/predict/{experiment}/{basin}/seed{seed}.tsv"
    wildcard_constraints:
        experiment=experiment_pattern("per_basin"),
    conda:
        "../envs/training.yaml"
    threads: 1
    resources:
        mem_mb=lambda wildcards, attempt: attempt
        * training_mem_mb(wildcards.experiment, 1),
    params:
        periods=config["periods"],
        device=config["training"]["device"],
    script:
        "../workflow/scripts/predict_periods.py"


rule predict_regional:
    input:
        model="results/{experiment}/seed{seed}/model.pt",
        store="results/data/camels_us.zarr",
    output:
        validation="results/{experiment}/seed{seed}/predictions_validation.nc",
        test="results/{experiment}/seed{seed}/predictions_test.nc",
    log:
        "logs/predict/{experiment}/seed{seed}.log",
    benchmark:
        "logs/benchmarks/predict/{experiment}/seed{seed}.tsv"
    wildcard_constraints:
        experiment=experiment_pattern("regional"),
    conda:
        "../envs/training.yaml"
    threads: config["training"]["threads"]
    resources:
        mem_mb=lambda wildcards, attempt: attempt
        * training_mem_mb(wildcards.experiment, len(BASINS)),
    params:
        periods=config["periods"],
        device=config["training"]["device"],
    script:
        "../workflow/scripts/predict_periods.py"


rule aggregate_predictions:
    input:
        unpack(
            lambda wildcards: prediction_inputs(
                config, BASINS, wildcards.experiment, wildcards.period
            )
        ),
    output:
        predictions="results/{experiment}/predictions_{period}.nc",
    log:
        "logs/evaluate/aggregate_predictions/{experiment}_{period}.log",
    benchmark:
        "logs/benchmarks/evaluate/aggregate_predictions/{experiment}_{period}.tsv"
    wildcard_constraints:
        period="validation|test",
    conda:
        "../envs/evaluation.yaml"
    threads: 1
    resources:
        mem_mb=4096,
    params:
        members=lambda wildcards: seed_members(config, wildcards.experiment),
    script:
        "../workflow/scripts/aggregate_predictions.py"


rule compute_metrics:
    input:
        predictions="results/{experiment}/predictions_test.nc",
    output:
        metrics=report(
            "results/{experiment}/metrics.csv",
            caption="../workflow/report/metrics.rst",
            category="Tables",
            subcategory="Metrics per basin",
            labels={"experiment": "{experiment}"},
        ),
    log:
        "logs/evaluate/compute_metrics/{experiment}.log",
    benchmark:
        "logs/benchmarks/evaluate/compute_metrics/{experiment}.tsv"
    conda:
        "../envs/evaluation.yaml"
    threads: 1
    resources:
        mem_mb=4096,
    params:
        min_observed_days=config["evaluation"]["min_observed_days"],
    script:
        "../workflow/scripts/compute_metrics.py"


rule summarise_metrics:
    input:
        metrics=expand("results/{experiment}/metrics.csv", experiment=EXPERIMENTS),
    output:
        summary=report(
            "results/summary.csv",
            caption="../workflow/report/summary.rst",
            category="Tables",
            subcategory="Summary",
            labels={"table": "NSE summary"},
        ),
    log:
        "logs/evaluate/summarise_metrics.log",
    benchmark:
        "logs/benchmarks/evaluate/summarise_metrics.tsv"
    conda:
        "../envs/evaluation.yaml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        experiments=list(EXPERIMENTS),
    script:
        "../workflow/scripts/summarise_metrics.py"
