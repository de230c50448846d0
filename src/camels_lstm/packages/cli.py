"""The ``camels-lstm`` console command (pyproject entry point).

``camels-lstm predict --package P.zip --camels-dir DIR --basins ID [ID ...] | --basin-file F
--start YYYY-MM-DD --end YYYY-MM-DD --output OUT.nc`` predicts from a model package and a CAMELS
US tree, on the CPU by default, without Snakemake or a ``results/`` tree (docs/packages.md). Bad
input ends it with exit status 2 and one message naming the package, basin, file or attribute.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from camels_lstm.config import ConfigError, read_basin_list
from camels_lstm.data.layout import CamelsFileError
from camels_lstm.packages.package import PackageError

logger = logging.getLogger("camels_lstm")
# What a user can get wrong: a message, not a traceback.
USER_ERRORS = (PackageError, CamelsFileError, ConfigError, KeyError, ValueError, OSError)


def _date(text: str) -> str:
    import datetime as dt

    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None
    return text


def _gauge_id(text: str) -> str:
    if not (len(text) == 8 and text.isdigit()):
        raise argparse.ArgumentTypeError(f"{text!r} is not an 8-digit USGS gauge id")
    return text


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return value


def _same_file(first: Path, second: Path) -> bool:
    try:
        return first.resolve() == second.resolve() or (
            first.exists() and second.exists() and first.samefile(second)
        )
    except OSError:
        return False


def check_output_path(arguments: argparse.Namespace) -> None:
    """Refuse an ``--output`` that would replace a folder or one of the command's inputs, before
    anything is read (the writer would replace it whole)."""
    output = Path(arguments.output)
    if output.is_dir():
        raise ValueError(
            f"--output {output} is a directory; give the path of the netCDF file to write "
            f"(e.g. {output / 'prediction.nc'})"
        )
    inputs = {"--package": arguments.package, "--basin-file": arguments.basin_file}
    for option, given in inputs.items():
        if given is not None and _same_file(output, Path(given)):
            raise ValueError(
                f"--output {output} is the same file as {option} {given}: the prediction would "
                "overwrite it; write it elsewhere"
            )
    camels = Path(arguments.camels_dir).resolve()
    if output.exists() and camels in output.resolve().parents:
        raise ValueError(
            f"--output {output} is a file of --camels-dir {arguments.camels_dir}: the "
            "prediction would overwrite it; write it elsewhere"
        )


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="camels-lstm", description=__doc__.split("\n\n")[0])
    commands = main.add_subparsers(dest="command", required=True)
    predict = commands.add_parser(
        "predict",
        help="predict streamflow of any CAMELS US basins from a model package",
        description="Simulate streamflow (mm/day and m3/s) of basins over a period from a model "
        "package and a CAMELS US tree; observed streamflow and metrics where the basin has a "
        "streamflow file. Writes a CF netCDF file.",
    )
    predict.add_argument("--package", required=True, type=Path, help="model package (.zip)")
    predict.add_argument(
        "--camels-dir",
        required=True,
        type=Path,
        help="CAMELS US tree: basin_mean_forcing/, usgs_streamflow/ (optional), "
        "camels_attributes_v2.0/, also one folder down as in the official archives",
    )
    basins = predict.add_mutually_exclusive_group(required=True)
    basins.add_argument("--basins", nargs="+", type=_gauge_id, metavar="ID")
    basins.add_argument("--basin-file", type=Path, help="one 8-digit gauge id per line")
    predict.add_argument("--start", required=True, type=_date, help="first day (YYYY-MM-DD)")
    predict.add_argument("--end", required=True, type=_date, help="last day (YYYY-MM-DD)")
    predict.add_argument("--output", required=True, type=Path, help="netCDF file to write")
    predict.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    predict.add_argument(
        "--threads", type=_positive_int, default=None, help="torch CPU threads (>= 1)"
    )
    predict.add_argument(
        "--prediction",
        choices=["windows", "sequence"],
        default=None,
        help="prediction mode (default: the one the package's experiment used)",
    )
    predict.add_argument(
        "--min-observed-days",
        type=int,
        default=365,
        help="a gauged basin with fewer observed days gets no metrics (default 365)",
    )
    return main


def predict_command(arguments: argparse.Namespace) -> None:
    import torch

    from camels_lstm.atomic_output import write_netcdf
    from camels_lstm.packages.package import read_package
    from camels_lstm.packages.predict import predict_package

    check_output_path(arguments)
    if arguments.threads:
        torch.set_num_threads(arguments.threads)
    basins = arguments.basins or read_basin_list(arguments.basin_file, "--basin-file")
    started = time.perf_counter()
    package = read_package(arguments.package)
    logger.info(
        "package %s (%s, members %s) read in %.2f s",
        arguments.package,
        package.description["experiment_name"],
        ", ".join(package.members),
        time.perf_counter() - started,
    )
    dataset = predict_package(
        package,
        arguments.camels_dir,
        basins,
        arguments.start,
        arguments.end,
        device=arguments.device,
        min_observed_days=arguments.min_observed_days,
        prediction=arguments.prediction,
    )
    write_netcdf(dataset, arguments.output)
    gauged = int(dataset["gauged"].sum())
    logger.info(
        "wrote %s: %d basin(s) (%d gauged, %d ungauged) x %d days in %.1f s",
        arguments.output,
        dataset.sizes["basin"],
        gauged,
        dataset.sizes["basin"] - gauged,
        dataset.sizes["time"],
        time.perf_counter() - started,
    )


COMMANDS = {"predict": predict_command}


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        COMMANDS[arguments.command](arguments)
    except USER_ERRORS as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"camels-lstm {arguments.command}: error: {message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
