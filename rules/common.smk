# Python helpers only: basin list, input functions, wildcard constraints.
import os
import re

from camels_lstm.config import read_basin_list

BASINS = read_basin_list(config["basins"])
EXPERIMENTS = config["experiments"]
DOWNLOADS = config["camels"]["downloads"]

# Scripts run in their own interpreter (and, with --sdm conda, their own environment):
# make the library importable there without installing it.
os.environ.update(
    PYTHONPATH=os.pathsep.join(
        filter(None, [str(Path(workflow.basedir) / "src"), os.getenv("PYTHONPATH")])
    )
)


wildcard_constraints:
    basin=r"\d{8}",
    seed=r"\d+",
    archive="|".join(re.escape(name) for name in DOWNLOADS) or "NO_DOWNLOADS",
    experiment="|".join(EXPERIMENTS),


def camels_root():
    """The CAMELS US tree: the user's copy (camels.dir) or the one extracted from downloads."""
    return config["camels"]["dir"] or "resources/camels_us"
