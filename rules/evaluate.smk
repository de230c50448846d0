# Evaluation: every trained model simulates the validation and test periods; the members are
# stacked per experiment with their ensemble mean, then metrics per basin and a summary.
# Aggregation reads only the small per-model files: run it beside Snakemake, not as a cluster job.
localrules:
    write_folds,
    aggregate_predictions,
    compute_metrics,
    summarise_metrics,


# Per-basin models are predicted by their training job (rules/train.smk); a regional model of
# all basins by a job of its own.
rule predict_regional:
    input:
        unpack(PLAN.hybrid_inputs),
        model=paths.MODEL["regional"],
        store=paths.STORE,
    output:
        validation=paths.fill(paths.MODEL_PREDICTIONS["regional"], period="validation"),
        test=paths.fill(paths.MODEL_PREDICTIONS["regional"], period="test"),
    log:
        "logs/predict/{experiment}/seed{seed}.log",
    benchmark:
        "logs/benchmarks/predict/{experiment}/seed{seed}.tsv"
    wildcard_constraints:
        experiment=PLAN.experiment_pattern("regional"),
    conda:
        "../envs/training.yaml"
    threads: TRAINING["threads"]
    resources:
        mem_mb=PLAN.mem_mb(),
    params:
        periods=PERIODS,
        device=TRAINING["device"],
        prediction_mode=lambda wildcards: EXPERIMENTS[wildcards.experiment][
            "prediction"
        ],
        conceptual_stores=lambda wildcards: PLAN.conceptual.stores_of(
            wildcards.experiment
        ),
        basins=lambda wildcards: PLAN.predicted_basins(wildcards.experiment, wildcards),
    script:
        "../workflow/scripts/predict_periods.py"


# The model of an ungauged fold predicts only the basins of its fold, which it never saw; their
# static attributes come from the attribute file, normalised as in training.
use rule predict_regional as predict_ungauged with:
    input:
        unpack(PLAN.hybrid_inputs),
        model=paths.MODEL["ungauged"],
        store=paths.STORE,
        attributes=paths.STATIC_ATTRIBUTES,
    output:
        validation=paths.fill(paths.MODEL_PREDICTIONS["ungauged"], period="validation"),
        test=paths.fill(paths.MODEL_PREDICTIONS["ungauged"], period="test"),
    log:
        "logs/predict/{experiment}/fold{fold}/seed{seed}.log",
    benchmark:
        "logs/benchmarks/predict/{experiment}/fold{fold}/seed{seed}.tsv"
    wildcard_constraints:
        experiment=PLAN.experiment_pattern("ungauged"),


# The basins of each fold of an ungauged experiment (from the config: seeded split).
rule write_folds:
    output:
        folds=paths.FOLDS,
    log:
        "logs/evaluate/write_folds/{experiment}.log",
    benchmark:
        "logs/benchmarks/evaluate/write_folds/{experiment}.tsv"
    wildcard_constraints:
        experiment=PLAN.experiment_pattern("ungauged"),
    conda:
        "../envs/evaluation.yaml"
    threads: 1
    resources:
        mem_mb=512,
    params:
        folds=lambda wildcards: PLAN.folds.table(wildcards.experiment).to_dict("list"),
    script:
        "../workflow/scripts/write_folds.py"


rule aggregate_predictions:
    input:
        unpack(
            lambda wildcards: PLAN.prediction_inputs(
                wildcards.experiment, wildcards.period
            )
        ),
    output:
        predictions=paths.EXPERIMENT_PREDICTIONS,
    log:
        "logs/evaluate/aggregate_predictions/{experiment}_{period}.log",
    benchmark:
        "logs/benchmarks/evaluate/aggregate_predictions/{experiment}_{period}.tsv"
    conda:
        "../envs/evaluation.yaml"
    threads: 1
    resources:
        mem_mb=4096,
    params:
        members=lambda wildcards: PLAN.members(wildcards.experiment),
        models=lambda wildcards: PLAN.models_of(wildcards.experiment),
    script:
        "../workflow/scripts/aggregate_predictions.py"


rule compute_metrics:
    input:
        predictions=paths.fill(paths.EXPERIMENT_PREDICTIONS, period="test"),
    output:
        metrics=report(
            paths.METRICS,
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
        metrics=PLAN.metrics_files(),
        attributes=paths.STATIC_ATTRIBUTES,
    output:
        summary=report(
            paths.SUMMARY,
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
        settings=EXPERIMENTS,
        basins=BASINS,
    script:
        "../workflow/scripts/summarise_metrics.py"
