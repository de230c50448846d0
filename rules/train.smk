# Training: one job per (experiment, basin, seed) for per-basin experiments and one per
# (experiment, seed) for regional ones. A checkpoint.pt beside each model (not an output, so a
# failed or preempted job keeps it) lets a rerun resume where the job stopped. A tuned
# experiment (rules/tune.smk) trains with the settings chosen on the validation period; for the
# seed its candidates were trained with, the job copies the chosen candidate's model.
# Params hold only what changes the weights (camels_lstm.training.job_settings): a new test
# period, evaluation setting, description, seed list, thread count or allocator retrains nothing.


rule train_per_basin:
    input:
        unpack(PLAN.training_inputs),
    output:
        model=paths.MODEL["per_basin"],
    log:
        "logs/train/{experiment}/{basin}/seed{seed}.log",
    benchmark:
        "logs/benchmarks/train/{experiment}/{basin}/seed{seed}.tsv"
    wildcard_constraints:
        experiment=PLAN.experiment_pattern("per_basin"),
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
    script:
        "../workflow/scripts/train_model.py"


use rule train_per_basin as train_regional with:
    output:
        model=paths.MODEL["regional"],
    log:
        "logs/train/{experiment}/seed{seed}.log",
    benchmark:
        "logs/benchmarks/train/{experiment}/seed{seed}.tsv"
    wildcard_constraints:
        experiment=PLAN.experiment_pattern("regional"),
