rule build_timeseries_store:
    input:
        camels=camels_root(),
        basins=config["basins"],
    output:
        store=directory("results/data/camels_us.zarr"),
    params:
        forcing=config["camels"]["forcing"],
        train_period=config["periods"]["train"],
    log:
        "logs/preprocess/build_timeseries_store.log",
    benchmark:
        "logs/benchmarks/preprocess/build_timeseries_store.tsv"
    threads: 2
    resources:
        mem_mb=4096,
    conda:
        "../envs/data.yaml"
    script:
        "../workflow/scripts/build_timeseries_store.py"


rule normalise_static_attributes:
    input:
        camels=camels_root(),
        basins=config["basins"],
    output:
        attributes="results/data/static_attributes.nc",
    params:
        attributes=config["static_attributes"],
    log:
        "logs/preprocess/normalise_static_attributes.log",
    benchmark:
        "logs/benchmarks/preprocess/normalise_static_attributes.tsv"
    threads: 1
    resources:
        mem_mb=1024,
    conda:
        "../envs/data.yaml"
    script:
        "../workflow/scripts/normalise_static_attributes.py"
