from camels_lstm.data.areas import area_forcing_products


localrules:
    download_archive,


rule download_archive:
    output:
        archive=protected(paths.DOWNLOAD),
    log:
        "logs/download/{archive}.log",
    benchmark:
        "logs/benchmarks/download/{archive}.tsv"
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=512,
    params:
        source=lambda wildcards: PLAN.downloads[wildcards.archive],
    script:
        "../workflow/scripts/download_archive.py"


rule extract_camels:
    input:
        archives=expand(paths.DOWNLOAD, archive=PLAN.downloads),
    output:
        camels=directory(paths.CAMELS_EXTRACTED),
    log:
        "logs/download/extract_camels.log",
    benchmark:
        "logs/benchmarks/download/extract_camels.tsv"
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        forcing=config["camels"]["forcing"],
        # Daymet too where its headers give the basin areas (camels.streamflow_area)
        extra_forcings=area_forcing_products(
            config["camels"]["forcing"], config["camels"]["streamflow_area"]
        )[1:],
    script:
        "../workflow/scripts/extract_camels.py"
