# Hyperparameter tuning of experiments with a search_space, on the validation period. Each
# candidate (c00, c01, ...) is one job: per basin for per-basin experiments, one over all basins
# for regional ones. It trains on the training period and scores NSE on the validation period
# (scoring in the same job saves a process start per candidate); the test period is never given
# to it. The best candidate (per basin, or by median NSE over basins; ties: lowest id) goes to
# best.json and every candidate's score to results/<experiment>/tuning.csv. The final models are
# the chosen candidate's model for the seed the candidates were trained with (the experiment's
# first), retrained with the chosen settings for other seeds, and are then predicted and
# evaluated like those of any other experiment.
from camels_lstm.tuning import tuning_periods


rule train_candidate_per_basin:
    input:
        store="results/data/camels_us.zarr",
        attributes="results/data/static_attributes.nc",
    output:
        model="results/{experiment}/tuning/{basin}/{candidate}/model.pt",
        score="results/{experiment}/tuning/{basin}/{candidate}/validation_score.json",
    log:
        "logs/tune/train/{experiment}/{basin}/{candidate}.log",
    benchmark:
        "logs/benchmarks/tune/train/{experiment}/{basin}/{candidate}.tsv"
    wildcard_constraints:
        experiment=experiment_pattern("per_basin", tuned=True),
        candidate=r"c\d+",
    conda:
        "../envs/training.yaml"
    threads: config["training"]["threads"]
    resources:
        mem_mb=lambda wildcards, attempt: attempt
        * candidate_mem_mb(wildcards.experiment, wildcards.candidate, 1),
    params:
        scope="per_basin",
        experiment=lambda wildcards: EXPERIMENTS[wildcards.experiment],
        basins=lambda wildcards: [wildcards.basin],
        seed=lambda wildcards: EXPERIMENTS[wildcards.experiment]["seeds"][0],
        periods=tuning_periods(config["periods"]),
        training=config["training"],
    script:
        "../workflow/scripts/train_candidate.py"


use rule train_candidate_per_basin as train_candidate_regional with:
    output:
        model="results/{experiment}/tuning/{candidate}/model.pt",
        score="results/{experiment}/tuning/{candidate}/validation_score.json",
    log:
        "logs/tune/train/{experiment}/{candidate}.log",
    benchmark:
        "logs/benchmarks/tune/train/{experiment}/{candidate}.tsv"
    wildcard_constraints:
        experiment=experiment_pattern("regional", tuned=True),
        candidate=r"c\d+",
    resources:
        mem_mb=lambda wildcards, attempt: attempt
        * candidate_mem_mb(wildcards.experiment, wildcards.candidate, len(BASINS)),
    params:
        scope="regional",
        experiment=lambda wildcards: EXPERIMENTS[wildcards.experiment],
        basins=BASINS,
        seed=lambda wildcards: EXPERIMENTS[wildcards.experiment]["seeds"][0],
        periods=tuning_periods(config["periods"]),
        training=config["training"],


# Selection and the table read a few small JSON files: run them beside Snakemake.
localrules:
    select_per_basin,
    select_regional,
    tuning_table,
    plot_tuning_validation_nse,


rule select_per_basin:
    input:
        scores=lambda wildcards: expand(
            "results/{{experiment}}/tuning/{{basin}}/{candidate}/validation_score.json",
            candidate=candidate_ids(wildcards.experiment),
        ),
    output:
        best="results/{experiment}/tuning/{basin}/best.json",
    log:
        "logs/tune/select/{experiment}/{basin}.log",
    benchmark:
        "logs/benchmarks/tune/select/{experiment}/{basin}.tsv"
    wildcard_constraints:
        experiment=experiment_pattern("per_basin", tuned=True),
    conda:
        "../envs/evaluation.yaml"
    threads: 1
    resources:
        mem_mb=512,
    params:
        scope="per_basin",
        basins=lambda wildcards: [wildcards.basin],
        search_space=lambda wildcards: EXPERIMENTS[wildcards.experiment]["search_space"],
    script:
        "../workflow/scripts/select_tuning_candidate.py"


use rule select_per_basin as select_regional with:
    input:
        scores=lambda wildcards: expand(
            "results/{{experiment}}/tuning/{candidate}/validation_score.json",
            candidate=candidate_ids(wildcards.experiment),
        ),
    output:
        best="results/{experiment}/tuning/best.json",
    log:
        "logs/tune/select/{experiment}.log",
    benchmark:
        "logs/benchmarks/tune/select/{experiment}.tsv"
    wildcard_constraints:
        experiment=experiment_pattern("regional", tuned=True),
    params:
        scope="regional",
        basins=BASINS,
        search_space=lambda wildcards: EXPERIMENTS[wildcards.experiment]["search_space"],


rule tuning_table:
    input:
        best=lambda wildcards: tuning_selections(wildcards.experiment),
    output:
        table=report(
            "results/{experiment}/tuning.csv",
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
        experiment=experiment_pattern(None, tuned=True),
    conda:
        "../envs/evaluation.yaml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        scope=lambda wildcards: EXPERIMENTS[wildcards.experiment]["scope"],
        basins=BASINS,
    script:
        "../workflow/scripts/tuning_table.py"


rule plot_tuning_validation_nse:
    input:
        table="results/{experiment}/tuning.csv",
    output:
        png=report(
            "results/plots/tuning_validation_nse_{experiment}.png",
            caption="../workflow/report/tuning_validation_nse.rst",
            category="Figures",
            subcategory="Tuning",
            labels={
                "figure": "validation NSE of candidates",
                "experiment": "{experiment}",
            },
        ),
        pdf="results/plots/tuning_validation_nse_{experiment}.pdf",
    log:
        "logs/plot/tuning_validation_nse_{experiment}.log",
    benchmark:
        "logs/benchmarks/plot/tuning_validation_nse_{experiment}.tsv"
    wildcard_constraints:
        experiment=experiment_pattern(None, tuned=True),
    conda:
        "../envs/evaluation.yaml"
    threads: 1
    resources:
        mem_mb=1024,
    script:
        "../workflow/scripts/plot_tuning_validation_nse.py"


rule train_tuned_per_basin:
    input:
        best="results/{experiment}/tuning/{basin}/best.json",
        store="results/data/camels_us.zarr",
        attributes="results/data/static_attributes.nc",
    output:
        model="results/{experiment}/{basin}/seed{seed}/model.pt",
    log:
        "logs/train/{experiment}/{basin}/seed{seed}.log",
    benchmark:
        "logs/benchmarks/train/{experiment}/{basin}/seed{seed}.tsv"
    wildcard_constraints:
        experiment=experiment_pattern("per_basin", tuned=True),
    conda:
        "../envs/training.yaml"
    threads: config["training"]["threads"]
    resources:
        mem_mb=lambda wildcards, attempt: attempt
        * candidate_mem_mb(wildcards.experiment, None, 1),
    params:
        experiment=lambda wildcards: EXPERIMENTS[wildcards.experiment],
        basins=lambda wildcards: [wildcards.basin],
        tuning_seed=lambda wildcards: EXPERIMENTS[wildcards.experiment]["seeds"][0],
        periods=config["periods"],
        training=config["training"],
    script:
        "../workflow/scripts/train_tuned_model.py"


use rule train_tuned_per_basin as train_tuned_regional with:
    input:
        best="results/{experiment}/tuning/best.json",
        store="results/data/camels_us.zarr",
        attributes="results/data/static_attributes.nc",
    output:
        model="results/{experiment}/seed{seed}/model.pt",
    log:
        "logs/train/{experiment}/seed{seed}.log",
    benchmark:
        "logs/benchmarks/train/{experiment}/seed{seed}.tsv"
    wildcard_constraints:
        experiment=experiment_pattern("regional", tuned=True),
    resources:
        mem_mb=lambda wildcards, attempt: attempt
        * candidate_mem_mb(wildcards.experiment, None, len(BASINS)),
    params:
        experiment=lambda wildcards: EXPERIMENTS[wildcards.experiment],
        basins=BASINS,
        tuning_seed=lambda wildcards: EXPERIMENTS[wildcards.experiment]["seeds"][0],
        periods=config["periods"],
        training=config["training"],


# Prediction as in rules/evaluate.smk, with memory for the largest candidate's settings (and, on
# SLURM, in their own groups: profiles/slurm).
use rule predict_per_basin as predict_tuned_per_basin with:
    wildcard_constraints:
        experiment=experiment_pattern("per_basin", tuned=True),
    resources:
        mem_mb=lambda wildcards, attempt: attempt
        * candidate_mem_mb(wildcards.experiment, None, 1),


use rule predict_regional as predict_tuned_regional with:
    wildcard_constraints:
        experiment=experiment_pattern("regional", tuned=True),
    resources:
        mem_mb=lambda wildcards, attempt: attempt
        * candidate_mem_mb(wildcards.experiment, None, len(BASINS)),
