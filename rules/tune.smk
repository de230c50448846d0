# Hyperparameter tuning of experiments with a search_space, on the validation period. A
# per-basin experiment is tuned by one job per basin that trains all its candidates (c00, c01,
# ...); a regional experiment by one job per candidate over all basins. A candidate trains on
# the training period and is scored by NSE on the validation period in the same job; the test
# period is never given to it. The best candidate (per basin, or by median NSE over basins;
# ties: lowest id) goes to best.json and every candidate's score to
# results/<experiment>/tuning.csv. The final models are trained by the rules of rules/train.smk
# with the chosen settings.


rule train_candidate_regional:
    input:
        unpack(PLAN.hybrid_inputs),
        store=paths.STORE,
        attributes=paths.STATIC_ATTRIBUTES,
    output:
        model=paths.CANDIDATE_MODEL["regional"],
        score=paths.CANDIDATE_SCORE["regional"],
    log:
        "logs/tune/train/{experiment}/{candidate}.log",
    benchmark:
        "logs/benchmarks/tune/train/{experiment}/{candidate}.tsv"
    wildcard_constraints:
        experiment=PLAN.experiment_pattern("regional", tuned=True),
    conda:
        "../envs/training.yaml"
    threads: TRAINING["threads"]
    resources:
        mem_mb=PLAN.mem_mb(),
    params:
        # Only what changes the candidate's weights (rules/train.smk, job_settings).
        experiment=lambda wildcards: training_experiment(
            EXPERIMENTS[wildcards.experiment]
        ),
        basins=lambda wildcards: PLAN.basins_of(wildcards.experiment, wildcards),
        seed=lambda wildcards: PLAN.tuning_seed(wildcards.experiment),
        periods=training_periods(PERIODS),
        training=weight_settings(TRAINING),
        conceptual_stores=lambda wildcards: PLAN.conceptual.stores_of(
            wildcards.experiment
        ),
    script:
        "../workflow/scripts/train_candidate.py"


# A per-basin search is one job per basin: its candidates train one after the other in one
# process, are scored, and the best is chosen (no job, interpreter and store read per candidate;
# a 531-basin search is 531 jobs, not 531 x candidates). A candidate trained earlier under the
# same settings and data is reused, so a rerun trains only new or unfinished candidates.
rule tune_per_basin:
    input:
        unpack(PLAN.hybrid_inputs),
        store=paths.STORE,
        attributes=paths.STATIC_ATTRIBUTES,
    output:
        best=paths.TUNING_SELECTION["per_basin"],
        chosen_model=paths.TUNING_CHOSEN_MODEL["per_basin"],
    log:
        "logs/tune/{experiment}/{basin}.log",
    benchmark:
        "logs/benchmarks/tune/{experiment}/{basin}.tsv"
    wildcard_constraints:
        experiment=PLAN.experiment_pattern("per_basin", tuned=True),
    conda:
        "../envs/training.yaml"
    threads: TRAINING["threads"]
    resources:
        mem_mb=PLAN.mem_mb(),
    params:
        experiment=lambda wildcards: training_experiment(
            EXPERIMENTS[wildcards.experiment]
        ),
        seed=lambda wildcards: PLAN.tuning_seed(wildcards.experiment),
        periods=training_periods(PERIODS),
        training=weight_settings(TRAINING),
        conceptual_stores=lambda wildcards: PLAN.conceptual.stores_of(
            wildcards.experiment
        ),
        candidate_models=lambda wildcards: PLAN.candidate_files(
            paths.CANDIDATE_MODEL, wildcards.experiment, wildcards.basin
        ),
        candidate_scores=lambda wildcards: PLAN.candidate_files(
            paths.CANDIDATE_SCORE, wildcards.experiment, wildcards.basin
        ),
    script:
        "../workflow/scripts/tune_per_basin.py"


# Selection and the table read a few small JSON files: run them beside Snakemake.
localrules:
    select_regional,
    tuning_table,
    plot_tuning_validation_nse,


rule select_regional:
    input:
        scores=lambda wildcards: list(
            PLAN.candidate_files(paths.CANDIDATE_SCORE, wildcards.experiment).values()
        ),
    output:
        best=paths.TUNING_SELECTION["regional"],
    log:
        "logs/tune/select/{experiment}.log",
    benchmark:
        "logs/benchmarks/tune/select/{experiment}.tsv"
    wildcard_constraints:
        experiment=PLAN.experiment_pattern("regional", tuned=True),
    conda:
        "../envs/evaluation.yaml"
    threads: 1
    resources:
        mem_mb=512,
    params:
        basins=BASINS,
        search_space=lambda wildcards: EXPERIMENTS[wildcards.experiment]["search_space"],
        candidate_models=lambda wildcards: PLAN.candidate_files(
            paths.CANDIDATE_MODEL, wildcards.experiment
        ),
    script:
        "../workflow/scripts/select_tuning_candidate.py"


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
