# Figures of the evaluation (PNG for the report, PDF for print), each with a report caption.
localrules:
    plot_nse_cdf,
    plot_nse_comparison,
    plot_hydrographs,


rule plot_nse_cdf:
    input:
        metrics=PLAN.metrics_files(),
    output:
        png=report(
            paths.fill(paths.NSE_CDF, format="png"),
            caption="../workflow/report/nse_cdf.rst",
            category="Figures",
            labels={"figure": "NSE CDF"},
        ),
        pdf=paths.fill(paths.NSE_CDF, format="pdf"),
        sentence=paths.NSE_CDF_SENTENCE,
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
        roles=PLAN.experiment_roles(),
        answer=PLAN.nse_cdf_answer(),
    script:
        "../workflow/scripts/plot_nse_cdf.py"


rule plot_nse_comparison:
    input:
        single=lambda wildcards: paths.METRICS.format(
            experiment=PLAN.comparison_pair()[0]
        ),
        regional=lambda wildcards: paths.METRICS.format(
            experiment=PLAN.comparison_pair()[1]
        ),
        attributes=paths.STATIC_ATTRIBUTES,
    output:
        scatter_png=report(
            paths.fill(paths.NSE_SCATTER, format="png"),
            caption="../workflow/report/nse_scatter.rst",
            category="Figures",
            labels={"figure": "NSE per basin"},
        ),
        scatter_pdf=paths.fill(paths.NSE_SCATTER, format="pdf"),
        map_png=report(
            paths.fill(paths.NSE_DIFFERENCE_MAP, format="png"),
            caption="../workflow/report/nse_difference_map.rst",
            category="Figures",
            labels={"figure": "NSE difference map"},
        ),
        map_pdf=paths.fill(paths.NSE_DIFFERENCE_MAP, format="pdf"),
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
        experiments=lambda wildcards: list(PLAN.comparison_pair()),
    script:
        "../workflow/scripts/plot_nse_comparison.py"


rule plot_hydrographs:
    input:
        predictions=paths.fill(paths.EXPERIMENT_PREDICTIONS, period="test"),
        metrics=paths.METRICS,
        attributes=paths.STATIC_ATTRIBUTES,
    output:
        png=report(
            paths.fill(paths.HYDROGRAPHS, format="png"),
            caption="../workflow/report/hydrographs.rst",
            category="Figures",
            subcategory="Hydrographs",
            labels={"figure": "hydrographs", "experiment": "{experiment}"},
        ),
        pdf=paths.fill(paths.HYDROGRAPHS, format="pdf"),
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
