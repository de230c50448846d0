# The config section `inference`: predictions from model packages (of this run or another) for
# chosen basins and periods, read from the run's CAMELS copy as `camels-lstm predict` reads it.


rule predict_inference:
    input:
        unpack(PLAN.inference.inputs()),
    output:
        predictions=paths.INFERENCE_PREDICTIONS,
    log:
        "logs/inference/{inference}/{inference_period}.log",
    benchmark:
        "logs/benchmarks/inference/{inference}/{inference_period}.tsv"
    wildcard_constraints:
        inference=PLAN.inference.pattern(),
        inference_period=PLAN.inference.period_pattern(),
    conda:
        "../envs/training.yaml"
    threads: TRAINING["threads"]
    resources:
        mem_mb=4096,
    params:
        camels_dir=PLAN.camels_root(),
        basins=lambda wildcards: PLAN.inference.basins(wildcards.inference),
        period=lambda wildcards: config["inference"][wildcards.inference]["periods"][
            wildcards.inference_period
        ],
        device=lambda wildcards: config["inference"][wildcards.inference]["device"],
        min_observed_days=lambda wildcards: config["inference"][wildcards.inference][
            "min_observed_days"
        ],
        prediction=lambda wildcards: config["inference"][wildcards.inference][
            "prediction"
        ],
    script:
        "../workflow/scripts/predict_package.py"
