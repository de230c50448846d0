# Conversion of the CAMELS text files: forcing + streamflow -> zarr store (parsed in `threads`
# worker processes), static attributes -> netCDF normalised over the run's basins.
# Inputs: with camels.dir the files of the run's basins that each rule reads (an edited one
# reruns it), from downloads the extracted folder. Layouts and reruns: docs/pipeline.md.
rule build_timeseries_store:
    input:
        camels=PLAN.camels_inputs("store"),
        basins=config["basins"],
    output:
        store=directory(paths.STORE),
        quality=report(
            paths.DATA_QUALITY,
            caption="../workflow/report/data_quality.rst",
            category="Tables",
            subcategory="Data quality",
            labels={"table": "data checks"},
        ),
    log:
        "logs/preprocess/build_timeseries_store.log",
    benchmark:
        "logs/benchmarks/preprocess/build_timeseries_store.tsv"
    conda:
        "../envs/data.yaml"
    threads: 2
    resources:
        mem_mb=4096,
    params:
        camels=PLAN.camels_root(),
        camels_stamp=PLAN.camels_stamp("store"),
        forcing=config["camels"]["forcing"],
        train_period=config["periods"]["train"],
        # checked on the files here; the test period only at start (Snakefile), so that
        # changing it does not rebuild the store (and retrain every model)
        validation_period=config["periods"]["validation"],
        data_checks=config["data_checks"],
        streamflow_area=config["camels"]["streamflow_area"],
    script:
        "../workflow/scripts/build_timeseries_store.py"


rule normalise_static_attributes:
    input:
        camels=PLAN.camels_inputs("attributes"),
        basins=config["basins"],
    output:
        attributes=paths.STATIC_ATTRIBUTES,
    log:
        "logs/preprocess/normalise_static_attributes.log",
    benchmark:
        "logs/benchmarks/preprocess/normalise_static_attributes.tsv"
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        camels=PLAN.camels_root(),
        camels_stamp=PLAN.camels_stamp("attributes"),
        attributes=config["static_attributes"],
    script:
        "../workflow/scripts/normalise_static_attributes.py"
