"""Throwaway local services for tests: S3 (moto server), PostgreSQL, Redis.

Every `start_*()` starts one private instance on a free loopback port in its own
temp directory, waits until it answers, and returns `RunningService(url, stop)`:

    url, stop = start_redis()            # or: with start_redis() as redis: ...
    ...
    stop()                               # idempotent; also run at interpreter exit

Typical use is a session-scoped fixture:

    @pytest.fixture(scope="session")
    def redis_url():
        with start_redis() as service:
            yield service.url

A missing binary raises ServiceUnavailable saying what to install: tests that
need a service fail loudly instead of skipping. To add a service that is one
foreground process, call `serve_process`; otherwise build `start_x()` from the
pieces below (`free_port`, `make_workdir`, `spawn`, `wait_until`, `stopper`).
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple


def _newest_pg_bindir() -> Path:
    """The server binaries of the newest PostgreSQL the Debian package installed (15 on bookworm,
    17 on trixie)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


PG_BINDIR = Path(os.environ.get("SOHOA_TEST_PG_BINDIR") or _newest_pg_bindir())
REDIS_SERVER = Path(os.environ.get("SOHOA_TEST_REDIS_SERVER", "/usr/bin/redis-server"))
PG_OS_USER = "postgres"  # initdb/postgres refuse to run as root
START_TIMEOUT = 60.0


class ServiceUnavailable(RuntimeError):
    """A test service could not be started (binary missing, crashed, timed out)."""


class RunningService(NamedTuple):
    url: str
    stop: Callable[[], None]

    def __enter__(self) -> RunningService:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


# ---------------------------------------------------------------- building blocks


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_binary(path: Path, install_hint: str) -> Path:
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise ServiceUnavailable(f"{path} not found or not executable; {install_hint}")
    return path


def make_workdir(name: str, owner: str | None = None) -> Path:
    """A fresh temp directory, handed to the OS user `owner` if given."""
    workdir = Path(tempfile.mkdtemp(prefix=f"sohoa-{name}-"))
    if owner is not None:
        shutil.chown(workdir, owner, owner)
    return workdir


def stopper(*steps: Callable[[], object]) -> Callable[[], None]:
    """An idempotent stop() running steps in order (each even if one fails), also at exit."""
    done = False

    def stop() -> None:
        nonlocal done
        if done:
            return
        done = True
        atexit.unregister(stop)
        errors = []
        for step in steps:
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - finish the clean-up, report after
                errors.append(exc)
        if errors:
            raise errors[0]

    atexit.register(stop)
    return stop


def spawn(cmd: Sequence[str | os.PathLike[str]], workdir: Path, log_name: str) -> subprocess.Popen:
    """Start cmd in workdir, stdout and stderr to workdir/log_name."""
    with open(workdir / log_name, "ab") as log:
        return subprocess.Popen(
            [os.fspath(part) for part in cmd], cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


def terminate(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def log_tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def wait_until(
    ready: Callable[[], bool],
    what: str,
    *,
    log: Path,
    proc: subprocess.Popen | None = None,
    timeout: float = START_TIMEOUT,
) -> None:
    """Poll ready() until it is true; fail early if proc dies, with the log's tail."""
    deadline = time.monotonic() + timeout
    while not ready():
        if proc is not None and proc.poll() is not None:
            raise ServiceUnavailable(f"{what} exited with {proc.returncode}:\n{log_tail(log)}")
        if time.monotonic() > deadline:
            raise ServiceUnavailable(f"{what} did not answer within {timeout:.0f}s:\n{log_tail(log)}")
        time.sleep(0.05)


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def serve_process(
    name: str,
    command: Callable[[Path, int], Sequence[str | os.PathLike[str]]],
    answers: Callable[[int], bool],
    url_template: str,
) -> RunningService:
    """Run command(workdir, port) as a child process until answers(port); url_template gets {port}."""
    workdir = make_workdir(name)
    port = free_port()
    log = workdir / f"{name}.log"
    proc: subprocess.Popen | None = None

    def end_process() -> None:
        if proc is not None:
            terminate(proc)

    stop = stopper(end_process, lambda: shutil.rmtree(workdir, ignore_errors=True))
    try:
        proc = spawn(command(workdir, port), workdir, log.name)
        wait_until(lambda: answers(port), name, log=log, proc=proc)
    except BaseException:
        stop()
        raise
    return RunningService(url_template.format(port=port), stop)


# ---------------------------------------------------------------- S3 (moto)


def start_s3_server() -> RunningService:
    """moto's S3-compatible server in a subprocess; url is the endpoint, e.g. http://127.0.0.1:PORT.

    Any access key/secret is accepted. A separate process keeps the uploaded
    objects out of the test process's memory.
    """
    return serve_process(
        "moto",
        lambda workdir, port: [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        port_open,
        "http://127.0.0.1:{port}",
    )


# ---------------------------------------------------------------- Redis


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def start_redis() -> RunningService:
    """A private redis-server without persistence; url is redis://127.0.0.1:PORT/0."""
    binary = require_binary(REDIS_SERVER, "install the Debian package redis-server (make deps)")
    return serve_process(
        "redis",
        lambda workdir, port: [
            binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--daemonize", "no", "--dir", workdir,
        ],
        _redis_answers,
        "redis://127.0.0.1:{port}/0",
    )


# ---------------------------------------------------------------- PostgreSQL


def _pg_command_prefix() -> tuple[list[str], str | None]:
    """How to run the server binaries: as PG_OS_USER via runuser when we are root."""
    if os.geteuid() != 0:
        return [], None
    try:
        pwd.getpwnam(PG_OS_USER)
    except KeyError:
        raise ServiceUnavailable(
            f"running as root and there is no OS user {PG_OS_USER!r} to run PostgreSQL as;"
            " install the Debian package postgresql (it creates the user)"
        ) from None
    runuser = require_binary(Path("/usr/sbin/runuser"), "install util-linux")
    return [str(runuser), "-u", PG_OS_USER, "--"], PG_OS_USER


def _run_pg_tool(cmd: list[str | os.PathLike[str]], workdir: Path, what: str) -> None:
    result = subprocess.run(
        [os.fspath(part) for part in cmd], cwd=workdir, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=START_TIMEOUT,
    )
    if result.returncode != 0:
        raise ServiceUnavailable(
            f"{what} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
            f"\n{log_tail(workdir / 'postgres.log')}"
        )


def start_postgres() -> RunningService:
    """A private PostgreSQL cluster (trust auth, fsync off) on 127.0.0.1.

    url is postgresql+psycopg://postgres@127.0.0.1:PORT/postgres (SQLAlchemy form;
    drop "+psycopg" for psycopg.connect). Create databases in it as needed.
    """
    hint = "install the Debian package postgresql (make deps)"
    initdb = require_binary(PG_BINDIR / "initdb", hint)
    pg_ctl = require_binary(PG_BINDIR / "pg_ctl", hint)
    prefix, owner = _pg_command_prefix()
    workdir = make_workdir("pg", owner)
    data = workdir / "data"
    port = free_port()
    server_options = (
        f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1"
        " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )

    def stop_server() -> None:
        if (data / "postmaster.pid").exists():
            _run_pg_tool([*prefix, pg_ctl, "-D", data, "-m", "fast", "-w", "stop"], workdir, "pg_ctl stop")

    stop = stopper(stop_server, lambda: shutil.rmtree(workdir, ignore_errors=True))
    try:
        _run_pg_tool(
            [*prefix, initdb, "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
             "--locale=C", "--no-sync"],
            workdir,
            "initdb",
        )
        _run_pg_tool(
            [*prefix, pg_ctl, "-D", data, "-l", workdir / "postgres.log", "-o", server_options,
             "-w", "-t", str(int(START_TIMEOUT)), "start"],
            workdir,
            "pg_ctl start",
        )
        wait_until(lambda: port_open(port), "postgres", log=workdir / "postgres.log")
    except BaseException:
        stop()
        raise
    return RunningService(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", stop)
