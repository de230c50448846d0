"""What the Snakemake rules call: result paths (:mod:`.paths`), the run's plan of experiments,
input functions and targets (:mod:`.plan`) and the memory estimates of jobs (:mod:`.resources`)."""
