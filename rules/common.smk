# Constants and wildcard constraints only. Paths, input functions, targets and memory estimates
# are in camels_lstm.workflow (paths: result templates; plan: everything derived from the
# config), where they are tested without Snakemake.
from camels_lstm.config import read_basin_list
from camels_lstm.training.job_settings import (
    prediction_periods,
    training_experiment,
    training_periods,
    weight_settings,
)
from camels_lstm.workflow import paths
from camels_lstm.workflow.learning_curve_plan import CELL_PATTERN
from camels_lstm.workflow.plan import WorkflowPlan

PLAN = WorkflowPlan(config, read_basin_list(config["basins"]))
BASINS = PLAN.basins
EXPERIMENTS = PLAN.experiments
PERIODS = config["periods"]
TRAINING = config["training"]
LEARNING_CURVES = PLAN.learning_curves


wildcard_constraints:
    basin=r"\d{8}",
    seed=r"\d+",
    fold=r"\d+",
    member=r"seed\d+|ensemble",
    candidate=r"c\d+",
    period="validation|test",
    archive=PLAN.archive_pattern(),
    experiment=PLAN.experiment_pattern(family=None),
    study=LEARNING_CURVES.study_pattern(),
    cell=CELL_PATTERN,
    train_years=r"\d+",
