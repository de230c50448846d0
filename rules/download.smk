localrules:
    download_archive,


rule download_archive:
    output:
        archive=protected("resources/downloads/{archive}.zip"),
    params:
        source=lambda wildcards: DOWNLOADS[wildcards.archive],
    log:
        "logs/download/{archive}.log",
    benchmark:
        "logs/benchmarks/download/{archive}.tsv"
    threads: 1
    resources:
        mem_mb=512,
    conda:
        "../envs/data.yaml"
    script:
        "../workflow/scripts/download_archive.py"


rule extract_camels:
    input:
        archives=expand("resources/downloads/{archive}.zip", archive=DOWNLOADS),
    output:
        camels=directory("resources/camels_us"),
    params:
        forcing=config["camels"]["forcing"],
    log:
        "logs/download/extract_camels.log",
    benchmark:
        "logs/benchmarks/download/extract_camels.tsv"
    threads: 1
    resources:
        mem_mb=1024,
    conda:
        "../envs/data.yaml"
    script:
        "../workflow/scripts/extract_camels.py"
