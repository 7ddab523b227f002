"""Prefect API servers parlq starts: a temporary one for each `parlq run`, a lasting one for `parlq server`.

The temporary server is Prefect's own API app in the mode Prefect uses for its ephemeral server
(only the services a single run needs), but started here so that its output goes to the run's
log file instead of the terminal, it ignores the terminal's Ctrl-C (the run stops it), and it
ends by itself when the process that started it dies.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

STARTUP_TIMEOUT_S = 120.0  # a fresh PREFECT_HOME migrates its database first: slow on 2 busy cores
_STOP_GRACE_S = 10.0
_PORT_ATTEMPTS = 3
# Prefect's switch for its temporary server: only the services one run needs (task run
# recorder, event persister), none of the scheduling ones.
_EPHEMERAL = {"PREFECT__SERVER_EPHEMERAL": "1", "PREFECT_UI_ENABLED": "false"}
# Unless the user says otherwise: its telemetry raced the run on SQLite ("database is locked").
_QUIET = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


class ServerStartError(RuntimeError):
    """The temporary Prefect API did not come up (its log file says why)."""


class ApiServer:
    """A temporary Prefect API on 127.0.0.1: launched at once, waited for when it is needed.

    Starting takes seconds (Prefect's server imports); the caller does its own imports meanwhile.
    """

    def __init__(self, log_file: Path, home: Path | None = None) -> None:
        """Launch the server process, its output appended to `log_file`; `home`: its PREFECT_HOME."""
        log_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file = log_file
        self.env = {**_QUIET, **os.environ, **_EPHEMERAL}
        if home is not None:
            self.env["PREFECT_HOME"] = str(home)
        self._launch()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def wait_ready(self, timeout_s: float = STARTUP_TIMEOUT_S) -> str:
        """Block until the API answers; returns its URL. Raises ServerStartError when it does not."""
        deadline = time.monotonic() + timeout_s
        for _ in range(_PORT_ATTEMPTS):
            while time.monotonic() < deadline and self.process.poll() is None:
                if _answers(f"{self.api_url}/health"):
                    return self.api_url
                time.sleep(0.1)
            if self.process.poll() != 1:  # 1: the port was taken in between; anything else is final
                break
            self._launch()
        self.stop()
        raise ServerStartError(f"the temporary Prefect API did not start; see {self.log_file}")

    def stop(self) -> None:
        """Stop the server (by its PID): politely, then for good."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(_STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def _launch(self) -> None:
        self.port = _free_port()
        with open(self.log_file, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flows.server", str(self.port), str(os.getpid())],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # the terminal's Ctrl-C is for parlq, which then stops it
            )


def run_server(host: str, port: int) -> int:
    """Run a lasting Prefect server (SQLite in PREFECT_HOME, UI included) in the foreground until Ctrl-C."""
    print(f"parlq: Prefect server and UI on http://{host}:{port}; for `parlq serve`, in another shell:",
          file=sys.stderr)  # fmt: skip
    print(f"  export PREFECT_API_URL=http://{host}:{port}/api", file=sys.stderr)
    env = {**_QUIET, **os.environ}  # a user's own setting wins
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", host, "--port", str(port)]
    # Its own process group: Prefect's server starts processes of its own, and all of them are
    # stopped with it when parlq is stopped (Ctrl-C, or SIGTERM from a service manager).
    process = subprocess.Popen(command, env=env, start_new_session=True)
    try:
        return process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop_group(process)


def stop_group(process: subprocess.Popen) -> None:
    """Stop a process started in a session of its own and everything it started: politely, then for good."""
    for sig, grace in ((signal.SIGTERM, _STOP_GRACE_S), (signal.SIGKILL, None)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break  # nothing of the group is left
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            continue
        if not _group_alive(process.pid):
            break


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(port: int, parent: int) -> None:
    """The temporary server's process: Prefect's API app under uvicorn, until told or orphaned."""
    import uvicorn

    threading.Thread(target=_stop_with_parent, args=(parent,), daemon=True).start()
    uvicorn.run(
        "prefect.server.api.server:create_app",
        factory=True,
        host="127.0.0.1",
        port=port,
        log_level="error",
        lifespan="on",
    )


def _stop_with_parent(parent: int) -> None:
    # A parlq killed with SIGKILL cannot stop its server; the server notices and stops itself.
    while True:
        time.sleep(1.0)
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os.kill(os.getpid(), signal.SIGTERM)
            return
        except PermissionError:
            pass


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]))
