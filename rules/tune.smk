# Hyperparameter tuning of experiments with a search_space, on the validation period. Each
# candidate (c00, c01, ...) is one job: per basin for per-basin experiments, one over all basins
# for regional ones. It trains on the training period and scores NSE on the validation period
# (scoring in the same job saves a process start per candidate); the test period is never given
# to it. The best candidate (per basin, or by median NSE over basins; ties: lowest id) goes to
# best.json and every candidate's score to results/<experiment>/tuning.csv. The final models are
# trained by the rules of rules/train.smk with the chosen settings.


rule train_candidate_per_basin:
    input:
        store=paths.STORE,
        attributes=paths.STATIC_ATTRIBUTES,
    output:
        model=paths.CANDIDATE_MODEL["per_basin"],
        score=paths.CANDIDATE_SCORE["per_basin"],
    log:
        "logs/tune/train/{experiment}/{basin}/{candidate}.log",
    benchmark:
        "logs/benchmarks/tune/train/{experiment}/{basin}/{candidate}.tsv"
    wildcard_constraints:
        experiment=PLAN.experiment_pattern("per_basin", tuned=True),
    conda:
        "../envs/training.yaml"
    threads: TRAINING["threads"]
    resources:
        mem_mb=PLAN.mem_mb(),
    params:
        scope=lambda wildcards: PLAN.scope(wildcards.experiment),
        # Only what changes the candidate's weights (rules/train.smk, job_settings).
        experiment=lambda wildcards: training_experiment(
            EXPERIMENTS[wildcards.experiment]
        ),
        basins=lambda wildcards: PLAN.basins_of(wildcards.experiment, wildcards),
        seed=lambda wildcards: PLAN.tuning_seed(wildcards.experiment),
        periods=training_periods(PERIODS),
        training=weight_settings(TRAINING),
    script:
        "../workflow/scripts/train_candidate.py"


use rule train_candidate_per_basin as train_candidate_regional with:
    output:
        model=paths.CANDIDATE_MODEL["regional"],
        score=paths.CANDIDATE_SCORE["regional"],
    log:
        "logs/tune/train/{experiment}/{candidate}.log",
    benchmark:
        "logs/benchmarks/tune/train/{experiment}/{candidate}.tsv"
    wildcard_constraints:
        experiment=PLAN.experiment_pattern("regional", tuned=True),


# Selection and the table read a few small JSON files: run them beside Snakemake.
localrules:
    select_per_basin,
    select_regional,
    tuning_table,
    plot_tuning_validation_nse,


rule select_per_basin:
    input:
        scores=lambda wildcards: list(
            PLAN.candidate_files(
                paths.CANDIDATE_SCORE, wildcards.experiment, wildcards.get("basin")
            ).values()
        ),
    output:
        best=paths.TUNING_SELECTION["per_basin"],
    log:
        "logs/tune/select/{experiment}/{basin}.log",
    benchmark:
        "logs/benchmarks/tune/select/{experiment}/{basin}.tsv"
    wildcard_constraints:
        experiment=PLAN.experiment_pattern("per_basin", tuned=True),
    conda:
        "../envs/evaluation.yaml"
    threads: 1
    resources:
        mem_mb=512,
    params:
        scope=lambda wildcards: PLAN.scope(wildcards.experiment),
        basins=lambda wildcards: PLAN.basins_of(wildcards.experiment, wildcards),
        search_space=lambda wildcards: EXPERIMENTS[wildcards.experiment]["search_space"],
        candidate_models=lambda wildcards: PLAN.candidate_files(
            paths.CANDIDATE_MODEL, wildcards.experiment, wildcards.get("basin")
        ),
    script:
        "../workflow/scripts/select_tuning_candidate.py"


use rule select_per_basin as select_regional with:
    output:
        best=paths.TUNING_SELECTION["regional"],
    log:
        "logs/tune/select/{experiment}.log",
    benchmark:
        "logs/benchmarks/tune/select/{experiment}.tsv"
    wildcard_constraints:
        experiment=PLAN.experiment_pattern("regional", tuned=True),


rule tuning_table:
    input:
        best=lambda wildcards: PLAN.selections(wildcards.experiment),
    output:
        table=report(
            paths.TUNING_TABLE,
            caption="../workflow/report/tuning.rst",
            category="Tables",
            subcategory="Tuning",
            labels={"experiment": "{experiment}"},
        ),
    log:
        "logs/tune/tuning_table/{experiment}.log",
    benchmark:
        "logs/benchmarks/tune/tuning_table/{experiment}.tsv"
    wildcard_constraints:
        experiment=PLAN.experiment_pattern(tuned=True),
    conda:
        "../envs/evaluation.yaml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        scope=lambda wildcards: PLAN.scope(wildcards.experiment),
        basins=BASINS,
    script:
        "../workflow/scripts/tuning_table.py"


rule plot_tuning_validation_nse:
    input:
        table=rules.tuning_table.output.table,
    output:
        png=report(
            paths.fill(paths.TUNING_VALIDATION_NSE, format="png"),
            caption="../workflow/report/tuning_validation_nse.rst",
            category="Figures",
            subcategory="Tuning",
            labels={
                "figure": "validation NSE of candidates",
                "experiment": "{experiment}",
            },
        ),
        pdf=paths.fill(paths.TUNING_VALIDATION_NSE, format="pdf"),
    log:
        "logs/plot/tuning_validation_nse_{experiment}.log",
    benchmark:
        "logs/benchmarks/plot/tuning_validation_nse_{experiment}.tsv"
    wildcard_constraints:
        experiment=PLAN.experiment_pattern(tuned=True),
    conda:
        "../envs/evaluation.yaml"
    threads: 1
    resources:
        mem_mb=1024,
    script:
        "../workflow/scripts/plot_tuning_validation_nse.py"
