# Conversion of the CAMELS text files: forcing + streamflow -> zarr store (parsed in `threads`
# worker processes), static attributes -> netCDF normalised over the run's basins.
# Layouts: docs/pipeline.md.
rule build_timeseries_store:
    input:
        camels=paths.camels_root(config),
        basins=config["basins"],
    output:
        store=directory(paths.STORE),
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
        forcing=config["camels"]["forcing"],
        train_period=config["periods"]["train"],
    script:
        "../workflow/scripts/build_timeseries_store.py"


rule normalise_static_attributes:
    input:
        camels=paths.camels_root(config),
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
        attributes=config["static_attributes"],
    script:
        "../workflow/scripts/normalise_static_attributes.py"
