# Conceptual models (camels_lstm.conceptual): a GR model of hydrogr with a snow routine,
# calibrated on the training period (after a warm-up) per basin, one job each, or for all basins
# at once (the median score), one job whose threads score the basins of each run in parallel
# processes; then one job simulates every basin's whole record with
# its parameters into results/<experiment>/simulation.zarr (the input of hybrid LSTMs), the
# parameter table and the validation/test prediction files that evaluation aggregates like a
# model's. Calibration reads only the training period's streamflow; a new validation or test
# period reruns the simulation, never a calibration.


rule calibrate_conceptual_per_basin:
    input:
        store=paths.STORE,
    output:
        calibration=paths.CONCEPTUAL_CALIBRATION["per_basin"],
    log:
        "logs/conceptual/calibrate/{experiment}/{basin}.log",
    benchmark:
        "logs/benchmarks/conceptual/calibrate/{experiment}/{basin}.tsv"
    wildcard_constraints:
        experiment=PLAN.experiment_pattern("per_basin", family="conceptual"),
    # First among ready jobs: hybrid LSTMs wait for the calibrations and the simulation.
    priority: 10
    conda:
        "../envs/conceptual.yaml"
    threads: 1
    resources:
        mem_mb=PLAN.conceptual.mem_mb(),
    params:
        settings=lambda wildcards: PLAN.conceptual.calibration_settings(
            wildcards.experiment
        ),
        basins=lambda wildcards: PLAN.basins_of(wildcards.experiment, wildcards),
        train_period=PERIODS["train"],
    script:
        "../workflow/scripts/calibrate_conceptual.py"


use rule calibrate_conceptual_per_basin as calibrate_conceptual_regional with:
    output:
        calibration=paths.CONCEPTUAL_CALIBRATION["regional"],
    log:
        "logs/conceptual/calibrate/{experiment}.log",
    benchmark:
        "logs/benchmarks/conceptual/calibrate/{experiment}.tsv"
    wildcard_constraints:
        experiment=PLAN.experiment_pattern("regional", family="conceptual"),
    threads: PLAN.conceptual.regional_threads()


rule simulate_conceptual:
    input:
        unpack(PLAN.conceptual.simulation_inputs),
    output:
        simulation=directory(paths.CONCEPTUAL_SIMULATION),
        parameters=report(
            paths.CONCEPTUAL_PARAMETERS,
            caption="../workflow/report/conceptual_parameters.rst",
            category="Tables",
            subcategory="Conceptual model parameters",
            labels={"experiment": "{experiment}"},
        ),
        validation=paths.fill(paths.CONCEPTUAL_PREDICTIONS, period="validation"),
        test=paths.fill(paths.CONCEPTUAL_PREDICTIONS, period="test"),
    log:
        "logs/conceptual/simulate/{experiment}.log",
    benchmark:
        "logs/benchmarks/conceptual/simulate/{experiment}.tsv"
    wildcard_constraints:
        experiment=PLAN.experiment_pattern(family="conceptual"),
    priority: 10
    conda:
        "../envs/conceptual.yaml"
    threads: 1
    resources:
        mem_mb=PLAN.conceptual.mem_mb(),
    params:
        settings=lambda wildcards: PLAN.conceptual.calibration_settings(
            wildcards.experiment
        ),
        basins=BASINS,
        periods=PERIODS,
    script:
        "../workflow/scripts/simulate_conceptual.py"
