# CAMELS US rainfall-runoff LSTMs: one model per basin against one regional model
# (Kratzert et al., HESS 2019; EGU 2020). Stages live in rules/*.smk, logic in src/camels_lstm
# (docs/layout.md: which package serves which stage and rules).
import os
import sys
from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")

# The library is importable here and in the scripts' own interpreters (and, with --sdm conda,
# their own environments) without being installed.
LIBRARY = str(Path(workflow.basedir) / "src")
sys.path.insert(0, LIBRARY)
os.environ.update(
    PYTHONPATH=os.pathsep.join(filter(None, [LIBRARY, os.getenv("PYTHONPATH")]))
)
from camels_lstm.config import validate_config

# The embedded sample is the default; a --configfile on the command line replaces it (instead of
# being merged into it, which would mix the sample's downloads and experiments into a full run).
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


# check_data: refuse at start a forcing product or period the configured data cannot serve.
validate_config(
    config,
    Path(workflow.basedir) / "workflow/schemas/config.schema.yaml",
    check_data=True,
)


include: "rules/common.smk"
include: "rules/download.smk"
include: "rules/preprocess.smk"
include: "rules/conceptual.smk"
include: "rules/train.smk"
include: "rules/tune.smk"
include: "rules/evaluate.smk"
include: "rules/package.smk"
include: "rules/inference.smk"
include: "rules/plot.smk"
include: "rules/learning_curve.smk"


rule all:
    default_target: True
    input:
        PLAN.all_targets(),
