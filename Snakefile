# CAMELS US rainfall-runoff LSTMs: one model per basin against one regional model
# (Kratzert et al., HESS 2019; EGU 2020). Stages live in rules/*.smk, logic in src/camels_lstm.
import sys
from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")

sys.path.insert(0, str(Path(workflow.basedir) / "src"))
from camels_lstm.config import validate_config
from camels_lstm.evaluation_workflow import evaluation_targets

# The embedded sample is the default; a --configfile on the command line replaces it (instead of
# being merged into it, which would mix the sample's downloads and experiments into a full run).
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


validate_config(config, Path(workflow.basedir) / "workflow/schemas/config.schema.yaml")


include: "rules/common.smk"
include: "rules/download.smk"
include: "rules/preprocess.smk"
include: "rules/train.smk"
include: "rules/evaluate.smk"
include: "rules/tune.smk"
include: "rules/plot.smk"


rule all:
    default_target: True
    input:
        "results/data/camels_us.zarr",
        "results/data/static_attributes.nc",
        model_files(),
        evaluation_targets(config),
        tuning_targets(),
