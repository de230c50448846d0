"""A throw-away one-node SLURM cluster on localhost, for tests and for trying the slurm profile.

Everything the cluster writes (slurm.conf, munge key and socket, spool and state directories,
daemon logs, pid files) lives in one temporary directory. The three daemons (munged, slurmctld,
slurmd) run in the foreground as children of this process and are stopped by their PIDs; nothing
else on the machine is touched. Clients find the cluster through ``SLURM_CONF`` (see ``env``).

Needs root (slurmd launches jobs as their submitting user, munged and slurmd check ownership).
From a shell::

    sudo python tests/slurm_cluster.py up     # prints `export SLURM_CONF=...`, Ctrl-C stops it
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

DAEMONS = ("munged", "mungekey", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "squeue", "sinfo", "scontrol", "scancel", "srun")
APT_PACKAGES = ("slurmctld", "slurmd", "slurm-client", "munge")
PARTITION = "debug"
FAKE_GPUS = 1


# Deadlines for the daemons to come up: seconds on an idle machine, but munged, slurmctld and
# slurmd each start a few processes and read their state, which takes far longer on a loaded one.
START_TIMEOUT_S = 300.0
QUERY_TIMEOUT_S = 60.0  # one sinfo/scontrol/squeue call


class ClusterError(RuntimeError):
    """The local cluster could not be installed, started or reached."""


class ClusterTimeout(ClusterError):
    """A daemon started but did not become ready in time (a slow machine, not a missing SLURM)."""


def missing_programs() -> list[str]:
    """SLURM and munge programs not on PATH (sbin included)."""
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    return [name for name in DAEMONS + CLIENTS if shutil.which(name, path=search) is None]


def is_root() -> bool:
    return os.geteuid() == 0


def install_with_apt() -> None:
    """Install SLURM 22.05 and munge from the distribution (Debian/Ubuntu, as root)."""
    if shutil.which("apt-get") is None:
        raise ClusterError("SLURM is missing and apt-get is not available to install it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *APT_PACKAGES]
    result = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, check=False)
        result = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ClusterError(f"apt-get install {' '.join(APT_PACKAGES)} failed:\n{result.stderr}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def node_hardware() -> dict[str, str]:
    """NodeName, CPUs, RealMemory, ... of this machine as `slurmd -C` reports them."""
    result = subprocess.run([_program("slurmd"), "-C"], capture_output=True, text=True, check=False)
    first_line = result.stdout.splitlines()[0] if result.stdout else ""
    fields = dict(re.findall(r"(\w+)=(\S+)", first_line))
    if "CPUs" not in fields or "RealMemory" not in fields:
        raise ClusterError(f"`slurmd -C` gave no node description: {result.stdout}{result.stderr}")
    return fields


def slurm_conf(state: Path, hardware: dict[str, str], ports: tuple[int, int]) -> str:
    """slurm.conf of a one-node cluster whose files all live under ``state``."""
    node = hardware["NodeName"]
    cores = {key: hardware[key] for key in ("CPUs", "RealMemory") if key in hardware}
    node_hw = " ".join(f"{key}={value}" for key, value in cores.items())
    return "\n".join(
        [
            "ClusterName=localtest",
            f"SlurmctldHost={node}(127.0.0.1)",
            "SlurmUser=root",
            "SlurmdUser=root",
            f"SlurmctldPort={ports[0]}",
            f"SlurmdPort={ports[1]}",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            f"AuthInfo=socket={state / 'munge' / 'munge.socket'}",
            f"StateSaveLocation={state / 'ctld'}",
            f"SlurmdSpoolDir={state / 'spool'}",
            f"SlurmctldPidFile={state / 'slurmctld.pid'}",
            f"SlurmdPidFile={state / 'slurmd.pid'}",
            f"SlurmctldLogFile={state / 'log' / 'slurmctld.log'}",
            f"SlurmdLogFile={state / 'log' / 'slurmd.log'}",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core",
            "SchedulerType=sched/backfill",
            "AccountingStorageType=accounting_storage/none",
            "JobAcctGatherType=jobacct_gather/none",
            "JobCompType=jobcomp/none",
            "MpiDefault=none",
            "ReturnToService=2",
            # squeue is the only status source without accounting: keep finished jobs visible.
            # Twelve hours, longer than any test run, however slow the machine.
            "MinJobAge=43200",
            "KillWait=5",
            "InactiveLimit=0",
            # One pretend GPU (a GRES without a device file), so that jobs asking for a GPU the
            # way the slurm profile's training jobs do are scheduled here too.
            "GresTypes=gpu",
            f"NodeName={node} NodeAddr=127.0.0.1 {node_hw} Gres=gpu:{FAKE_GPUS} State=UNKNOWN",
            f"PartitionName={PARTITION} Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
            "",
        ]
    )


def _program(name: str) -> str:
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    path = shutil.which(name, path=search)
    if path is None:
        raise ClusterError(f"{name} is not installed")
    return path


class LocalSlurm:
    """One-node SLURM on 127.0.0.1: ``start()``, use ``env`` for clients, ``stop()``."""

    def __init__(self, state: Path) -> None:
        self.state = state
        self.conf = state / "slurm.conf"
        self.daemons: dict[str, subprocess.Popen[bytes]] = {}
        self.node = ""

    @property
    def env(self) -> dict[str, str]:
        """Environment for sbatch/squeue/snakemake: points the clients at this cluster.

        The client programs are reached through wrappers in ``<state>/bin`` that set
        ``SLURM_CONF``: the slurm-jobstep executor strips ``SLURM_*`` variables before it calls
        ``srun`` inside a job, while ``PATH`` survives.
        """
        path = os.pathsep.join(
            [str(self.state / "bin"), os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]
        )
        return {**os.environ, "SLURM_CONF": str(self.conf), "PATH": path}

    def _write_client_wrappers(self) -> None:
        wrappers = self.state / "bin"
        wrappers.mkdir(exist_ok=True)
        for client in (*CLIENTS, "sacct", "sacctmgr", "sshare"):
            real = shutil.which(
                client, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin"])
            )
            if real is None:
                continue
            wrapper = wrappers / client
            wrapper.write_text(f'#!/bin/sh\nSLURM_CONF="{self.conf}" exec "{real}" "$@"\n')
            wrapper.chmod(0o755)

    def start(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Start munged, slurmctld and slurmd, each polled until ready for up to ``timeout_s``;
        past it, ClusterTimeout names what was awaited, its last state and the daemon logs."""
        for directory in ("munge", "ctld", "spool", "log"):
            (self.state / directory).mkdir(parents=True, exist_ok=True)
        (self.state / "munge").chmod(0o700)
        self._write_client_wrappers()
        hardware = node_hardware()
        self.node = hardware["NodeName"]
        self.conf.write_text(slurm_conf(self.state, hardware, (free_port(), free_port())))
        (self.state / "gres.conf").write_text(
            f"NodeName={self.node} Name=gpu File=/dev/null Count={FAKE_GPUS}\n"
        )
        self._start_munge(timeout_s)
        self._spawn("slurmctld", [_program("slurmctld"), "-D", "-i", "-f", str(self.conf)])
        self._wait(
            lambda: self._state("scontrol", "ping"),
            lambda state: "UP" in state,
            timeout_s,
            "slurmctld to answer `scontrol ping` with UP",
        )
        self._spawn("slurmd", [_program("slurmd"), "-D", "-N", self.node, "-f", str(self.conf)])
        self._wait(
            lambda: self._state("sinfo", "--noheader", "--nodes", self.node, "--format=%t"),
            lambda state: state.strip() == "idle",
            timeout_s,
            f"node {self.node} to become idle in sinfo",
        )

    def _start_munge(self, timeout_s: float) -> None:
        munge = self.state / "munge"
        key = munge / "munge.key"
        created = subprocess.run(
            [_program("mungekey"), "--create", f"--keyfile={key}"],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
        if created.returncode != 0:
            raise ClusterError(f"mungekey --create failed: {created.stdout}{created.stderr}")
        key.chmod(0o600)
        socket_path = munge / "munge.socket"
        self._spawn(
            "munged",
            [
                _program("munged"),
                "--foreground",
                "--force",
                f"--socket={socket_path}",
                f"--key-file={key}",
                f"--pid-file={munge / 'munged.pid'}",
                f"--seed-file={munge / 'munged.seed'}",
                f"--log-file={self.state / 'log' / 'munged.log'}",
            ],
        )
        self._wait(
            lambda: "socket exists" if socket_path.exists() else "no socket yet",
            lambda state: state == "socket exists",
            timeout_s,
            f"munged to create {socket_path}",
        )

    def _spawn(self, name: str, command: list[str]) -> None:
        log = (self.state / "log" / f"{name}.out").open("wb")
        self.daemons[name] = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True
        )

    def _client(self, program: str, *arguments: str) -> tuple[str, str]:
        """(stdout, stderr) of a client call; a call that hangs past QUERY_TIMEOUT_S gives
        ("", a note): a slow daemon is what the callers wait out, not an error."""
        try:
            result = subprocess.run(
                [_program(program), *arguments],
                env=self.env,
                capture_output=True,
                text=True,
                timeout=QUERY_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return "", f"({program} gave no answer within {QUERY_TIMEOUT_S:.0f} s)"
        return result.stdout, result.stderr

    def _query(self, program: str, *arguments: str) -> str:
        return self._client(program, *arguments)[0]

    def _state(self, program: str, *arguments: str) -> str:
        """What a client call printed, its error if it printed nothing: a state to report."""
        stdout, stderr = self._client(program, *arguments)
        return stdout if stdout.strip() else stderr.strip()

    def _wait(
        self, probe: Callable[[], str], ready: Callable[[str], bool], timeout_s: float, what: str
    ) -> None:
        """Call ``probe`` until ``ready`` accepts its answer; a daemon that exits fails at once,
        and past ``timeout_s`` ClusterTimeout quotes the last answer and the daemon logs."""
        deadline = time.monotonic() + timeout_s
        state = ""
        while True:
            for name, process in self.daemons.items():
                if process.poll() is not None:
                    raise ClusterError(
                        f"{name} exited with {process.returncode} while waiting for {what}\n"
                        f"{self.logs()}"
                    )
            state = probe()
            if ready(state):
                return
            if time.monotonic() >= deadline:
                raise ClusterTimeout(
                    f"timed out after {timeout_s:.0f} s waiting for {what}; last state: "
                    f"{state.strip() or '(empty)'!r}\n{self.logs()}"
                )
            time.sleep(1.0)

    def logs(self, count: int = 25) -> str:
        """The last ``count`` lines of every daemon log, for error messages."""
        parts = []
        for log in sorted((self.state / "log").glob("*")):
            lines = log.read_text(errors="replace").splitlines()[-count:]
            parts.append(f"--- {log.name}\n" + "\n".join(lines))
        return "\n".join(parts)

    def stop(self) -> None:
        """Cancel leftover jobs, then stop the daemons this object started (slurmd first)."""
        if "slurmctld" in self.daemons and self.daemons["slurmctld"].poll() is None:
            self._query("scancel", "--full", "--partition", PARTITION)
            # Let slurmd end the job steps it runs, so that no slurmstepd outlives the cluster.
            deadline = time.monotonic() + 60
            while (
                time.monotonic() < deadline
                and self._query(
                    "squeue", "--noheader", "--states=running,completing", "--format=%i"
                ).strip()
            ):
                time.sleep(0.5)
        for name in ("slurmd", "slurmctld", "munged"):
            process = self.daemons.pop(name, None)
            if process is None or process.poll() is not None:
                continue
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


@contextmanager
def local_slurm(
    install: bool = True, start_timeout_s: float = START_TIMEOUT_S
) -> Iterator[LocalSlurm]:
    """A running cluster in a fresh temp dir (short path: unix sockets live there)."""
    if missing_programs():
        if not (install and is_root()):
            raise ClusterError(f"not installed: {', '.join(missing_programs())}")
        install_with_apt()
    state = Path(tempfile.mkdtemp(prefix="slurm-", dir="/tmp"))
    cluster = LocalSlurm(state)
    # A SIGTERM (CI time-out, kill) would end Python without `finally`: make it an exception.
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        cluster.start(start_timeout_s)
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(state, ignore_errors=True)
        signal.signal(signal.SIGTERM, previous)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main(arguments: list[str]) -> int:
    if arguments != ["up"]:
        print(__doc__)
        return 2
    with local_slurm() as cluster:
        print(f"export SLURM_CONF={cluster.conf}  # node {cluster.node} idle; Ctrl-C stops it")
        with suppress(KeyboardInterrupt):
            signal.pause()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
