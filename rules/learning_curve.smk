# Learning curves (config learning_curves; camels_lstm.learning_curves): per study one regional
# training job per cell (basin subset x training years x draw) and per-basin reference models of
# the evaluation basins per training length; each job then simulates the test period of the
# evaluation basins in the same process. Then one table, fit and figure per study. A new test
# period reruns the jobs but reuses their trained weights (.finished_model.pt, rules/train.smk).
localrules:
    learning_curve_table,


rule train_learning_curve_cell:
    input:
        store=paths.STORE,
        attributes=paths.STATIC_ATTRIBUTES,
    output:
        model=paths.LEARNING_CURVE_MODEL,
        predictions=paths.LEARNING_CURVE_PREDICTIONS,
    log:
        "logs/learning_curve/{study}/{cell}/train.log",
    benchmark:
        "logs/benchmarks/learning_curve/{study}/{cell}/train.tsv"
    conda:
        "../envs/training.yaml"
    threads: TRAINING["threads"]
    resources:
        mem_mb=LEARNING_CURVES.cell_mem_mb(),
    params:
        name=lambda wildcards: f"{wildcards.study}/{wildcards.cell}",
        settings=lambda wildcards: LEARNING_CURVES.cell_settings(
            wildcards.study, wildcards.cell
        ),
        training=weight_settings(TRAINING),
        evaluation_basins=lambda wildcards: LEARNING_CURVES.evaluation_basins(
            wildcards.study
        ),
        test_period=PERIODS["test"],
    script:
        "../workflow/scripts/train_learning_curve.py"


use rule train_learning_curve_cell as train_learning_curve_reference with:
    output:
        model=paths.LEARNING_CURVE_REFERENCE_MODEL,
        predictions=paths.LEARNING_CURVE_REFERENCE_PREDICTIONS,
    log:
        "logs/learning_curve/{study}/per_basin/y{train_years}/{basin}/train.log",
    benchmark:
        "logs/benchmarks/learning_curve/{study}/per_basin/y{train_years}/{basin}/train.tsv"
    resources:
        mem_mb=LEARNING_CURVES.reference_mem_mb(),
    params:
        name=lambda wildcards: f"{wildcards.study}/per_basin/y{wildcards.train_years}",
        settings=lambda wildcards: LEARNING_CURVES.reference_settings(
            wildcards.study, wildcards.basin, wildcards.train_years
        ),
        training=weight_settings(TRAINING),
        evaluation_basins=lambda wildcards: [wildcards.basin],
        test_period=PERIODS["test"],


rule learning_curve_table:
    input:
        unpack(LEARNING_CURVES.table_inputs),
    output:
        table=report(
            paths.LEARNING_CURVE_TABLE,
            caption="../workflow/report/learning_curve_table.rst",
            category="Learning curves",
            labels={"study": "{study}", "kind": "table"},
        ),
        sentence=paths.LEARNING_CURVE_SENTENCE,
        png=report(
            paths.fill(paths.LEARNING_CURVE_FIGURE, format="png"),
            caption="../workflow/report/learning_curve.rst",
            category="Learning curves",
            labels={"study": "{study}", "kind": "figure"},
        ),
        pdf=paths.fill(paths.LEARNING_CURVE_FIGURE, format="pdf"),
    log:
        "logs/learning_curve/{study}/table.log",
    benchmark:
        "logs/benchmarks/learning_curve/{study}/table.tsv"
    conda:
        "../envs/evaluation.yaml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        cells=lambda wildcards: LEARNING_CURVES.cell_table_params(wildcards.study),
        references=lambda wildcards: LEARNING_CURVES.reference_table_params(
            wildcards.study
        ),
        min_observed_days=config["evaluation"]["min_observed_days"],
        models=lambda wildcards: LEARNING_CURVES.model_files(wildcards.study),
        answer=lambda wildcards: LEARNING_CURVES.answer(wildcards.study),
    script:
        "../workflow/scripts/learning_curve_table.py"
