# Evaluation: per-model predictions -> one file per experiment and period, metrics, summary.
# Needs the predict rule (results/<experiment>/[<basin>/]seed<seed>/predictions_<period>.nc).
from camels_lstm.evaluation_workflow import prediction_inputs, seed_members


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
