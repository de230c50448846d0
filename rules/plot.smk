# Figures of the evaluation (PNG for the report, PDF for print), each with a report caption.
from camels_lstm.evaluation_workflow import comparison_pair


localrules:
    plot_nse_cdf,
    plot_nse_comparison,
    plot_hydrographs,


rule plot_nse_cdf:
    input:
        metrics=expand("results/{experiment}/metrics.csv", experiment=EXPERIMENTS),
    output:
        png=report(
            "results/plots/nse_cdf.png",
            caption="../workflow/report/nse_cdf.rst",
            category="Figures",
            labels={"figure": "NSE CDF"},
        ),
        pdf="results/plots/nse_cdf.pdf",
    log:
        "logs/plot/nse_cdf.log",
    benchmark:
        "logs/benchmarks/plot/nse_cdf.tsv"
    conda:
        "../envs/evaluation.yaml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        experiments=list(EXPERIMENTS),
    script:
        "../workflow/scripts/plot_nse_cdf.py"


rule plot_nse_comparison:
    input:
        single=lambda wildcards: f"results/{comparison_pair(config)[0]}/metrics.csv",
        regional=lambda wildcards: f"results/{comparison_pair(config)[1]}/metrics.csv",
        attributes="results/data/static_attributes.nc",
    output:
        scatter_png=report(
            "results/plots/nse_scatter.png",
            caption="../workflow/report/nse_scatter.rst",
            category="Figures",
            labels={"figure": "NSE per basin"},
        ),
        scatter_pdf="results/plots/nse_scatter.pdf",
        map_png=report(
            "results/plots/nse_difference_map.png",
            caption="../workflow/report/nse_difference_map.rst",
            category="Figures",
            labels={"figure": "NSE difference map"},
        ),
        map_pdf="results/plots/nse_difference_map.pdf",
    log:
        "logs/plot/nse_comparison.log",
    benchmark:
        "logs/benchmarks/plot/nse_comparison.tsv"
    conda:
        "../envs/evaluation.yaml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        experiments=lambda wildcards: list(comparison_pair(config)),
    script:
        "../workflow/scripts/plot_nse_comparison.py"


rule plot_hydrographs:
    input:
        predictions="results/{experiment}/predictions_test.nc",
        metrics="results/{experiment}/metrics.csv",
        attributes="results/data/static_attributes.nc",
    output:
        png=report(
            "results/plots/hydrographs_{experiment}.png",
            caption="../workflow/report/hydrographs.rst",
            category="Figures",
            subcategory="Hydrographs",
            labels={"figure": "hydrographs", "experiment": "{experiment}"},
        ),
        pdf="results/plots/hydrographs_{experiment}.pdf",
    log:
        "logs/plot/hydrographs_{experiment}.log",
    benchmark:
        "logs/benchmarks/plot/hydrographs_{experiment}.tsv"
    conda:
        "../envs/evaluation.yaml"
    threads: 1
    resources:
        mem_mb=2048,
    script:
        "../workflow/scripts/plot_hydrographs.py"
