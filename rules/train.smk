# Training: one job per (experiment, basin, seed) for per-basin experiments and one per
# (experiment, seed) for regional ones; a per-basin job also writes its predictions. A checkpoint.pt beside each model (not an output, so a
# failed or preempted job keeps it) lets a rerun resume where the job stopped. A tuned
# experiment (rules/tune.smk) trains with the settings chosen on the validation period; for the
# seed its candidates were trained with, the job copies the chosen candidate's model.
# Params hold only what changes the weights (camels_lstm.training.job_settings): a new test
# period, evaluation setting, description, seed list, thread count or allocator retrains nothing.


rule train_regional:
    input:
        unpack(PLAN.training_inputs),
    output:
        model=paths.MODEL["regional"],
    log:
        "logs/train/{experiment}/seed{seed}.log",
    benchmark:
        "logs/benchmarks/train/{experiment}/seed{seed}.tsv"
    wildcard_constraints:
        experiment=PLAN.experiment_pattern("regional"),
    conda:
        "../envs/training.yaml"
    threads: TRAINING["threads"]
    resources:
        mem_mb=PLAN.mem_mb(),
    params:
        experiment=lambda wildcards: training_experiment(
            EXPERIMENTS[wildcards.experiment]
        ),
        basins=lambda wildcards: PLAN.basins_of(wildcards.experiment, wildcards),
        tuning=lambda wildcards: PLAN.tuning(wildcards.experiment, wildcards),
        periods=training_periods(PERIODS),
        training=weight_settings(TRAINING),
        conceptual_stores=lambda wildcards: PLAN.conceptual.stores_of(
            wildcards.experiment
        ),
    script:
        "../workflow/scripts/train_model.py"


# A per-basin job also simulates the validation and test periods, in the same process. A new
# prediction period reruns it, but the weights it trained are kept (.finished_model.pt) and
# reused under the same training fingerprint: only the predictions are redone.
use rule train_regional as train_per_basin with:
    output:
        model=paths.MODEL["per_basin"],
        validation=paths.fill(paths.MODEL_PREDICTIONS["per_basin"], period="validation"),
        test=paths.fill(paths.MODEL_PREDICTIONS["per_basin"], period="test"),
    log:
        "logs/train/{experiment}/{basin}/seed{seed}.log",
    benchmark:
        "logs/benchmarks/train/{experiment}/{basin}/seed{seed}.tsv"
    wildcard_constraints:
        experiment=PLAN.experiment_pattern("per_basin"),
    params:
        experiment=lambda wildcards: training_experiment(
            EXPERIMENTS[wildcards.experiment]
        ),
        basins=lambda wildcards: PLAN.basins_of(wildcards.experiment, wildcards),
        tuning=lambda wildcards: PLAN.tuning(wildcards.experiment, wildcards),
        periods=training_periods(PERIODS),
        training=weight_settings(TRAINING),
        conceptual_stores=lambda wildcards: PLAN.conceptual.stores_of(
            wildcards.experiment
        ),
        prediction_periods=prediction_periods(PERIODS),
        prediction_mode=lambda wildcards: EXPERIMENTS[wildcards.experiment][
            "prediction"
        ],


# Ungauged experiments: the model of each fold trains on the basins of the other folds.
use rule train_regional as train_ungauged with:
    output:
        model=paths.MODEL["ungauged"],
    log:
        "logs/train/{experiment}/fold{fold}/seed{seed}.log",
    benchmark:
        "logs/benchmarks/train/{experiment}/fold{fold}/seed{seed}.tsv"
    wildcard_constraints:
        experiment=PLAN.experiment_pattern("ungauged"),


# Finetuning: one model per basin, started from the base experiment's model of the same seed
# (declared by PLAN.training_inputs); trains and predicts in one job, as a per-basin model.
use rule train_per_basin as train_finetune with:
    log:
        "logs/train/{experiment}/{basin}/seed{seed}.log",
    benchmark:
        "logs/benchmarks/train/{experiment}/{basin}/seed{seed}.tsv"
    wildcard_constraints:
        experiment=PLAN.experiment_pattern("finetune"),
