localrules:
    download_archive,


rule download_archive:
    output:
        archive=protected("resources/downloads/{archive}.zip"),
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
        source=lambda wildcards: DOWNLOADS[wildcards.archive],
    script:
        "../workflow/scripts/download_archive.py"


rule extract_camels:
    input:
        archives=expand("resources/downloads/{archive}.zip", archive=DOWNLOADS),
    output:
        camels=directory("resources/camels_us"),
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
    script:
        "../workflow/scripts/extract_camels.py"
