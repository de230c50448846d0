# CAMELS US rainfall-runoff LSTMs: one model per basin against one regional model
# (Kratzert et al., HESS 2019; EGU 2020). Stages live in rules/*.smk, logic in src/camels_lstm
# (docs/layout.md: which package serves which stage and rules).
import os
import sys
from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")

# This file's folder: the workflow's own scripts, schemas, library and sample, also when another
# project uses it as a module (`module ...: snakefile: ...`, docs/deploy.md); the user's paths
# (config, basin lists, camels.dir) stay relative to the folder where snakemake runs.
WORKFLOW_DIR = Path(str(workflow.current_basedir))
# The library is importable here and in the scripts' own interpreters (and, with --sdm conda,
# their own environments) without being installed.
LIBRARY = str(WORKFLOW_DIR / "src")
sys.path.insert(0, LIBRARY)
os.environ.update(
    PYTHONPATH=os.pathsep.join(filter(None, [LIBRARY, os.getenv("PYTHONPATH")]))
)
from camels_lstm.config import validate_config
from camels_lstm.conceptual.shyft_env import refuse_unavailable
from camels_lstm.conceptual.spec import readers_of, shyft_experiments
from camels_lstm.workflow.user_paths import resolve_shipped_inputs
from camels_lstm.workflow.resources import (
    needs_memory_budget,
    workstation_memory_budget_mb,
)

# The embedded sample is the default; a --configfile on the command line replaces it (instead of
# being merged into it, which would mix the sample's downloads and experiments into a full run).
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


# Used as a module from another folder: the sample and basin lists it ships are found here.
config.update(resolve_shipped_inputs(config, WORKFLOW_DIR))
# check_data: refuse at start a forcing product or period the configured data cannot serve.
validate_config(
    config,
    WORKFLOW_DIR / "workflow/schemas/config.schema.yaml",
    check_data=True,
)
# Shyft's models run in their own environment (.venv-shyft, docs/conceptual.md): where it cannot
# run, its experiments are refused here, at the dry run, with what is missing.
if workflow.is_main_process:
    SHYFT_EXPERIMENTS = shyft_experiments(config["experiments"])
    refuse_unavailable(
        SHYFT_EXPERIMENTS,
        readers=readers_of(config["experiments"], SHYFT_EXPERIMENTS),
    )

# A local run (`snakemake --cores 8`) shares 2/3 of the machine's memory between its concurrent
# jobs (each declares mem_mb), unless --resources mem_mb=N gives another budget. A cluster run
# (`snakemake --profile slurm`) gets none: each job asks SLURM for its own memory. The executor
# is not known while the Snakefile is read; a cluster run is one with remote nodes (--jobs).
if workflow.is_main_process and needs_memory_budget(
    workflow.nodes is None, workflow.global_resources
):
    workflow.register_resource("mem_mb", workstation_memory_budget_mb())


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
