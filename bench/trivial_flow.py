"""Prefect's own floor, a peer of `parlq run` against a running server: one flow, one task that does nothing.

    PREFECT_API_URL=... python bench/trivial_flow.py

What any flow run costs on this machine before it does any work (importing Prefect, creating the
flow and task runs on the server, reporting their states, exiting), with the settings `parlq run`
gives its own flow runs (`flows.settings`: no heartbeat thread, whose last sleep would add up to
a second), so that parlq's flow run can be read against it.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows.settings import apply_defaults, run_settings  # noqa: E402

apply_defaults()  # before prefect is imported, as `parlq run` does

from prefect import flow, task  # noqa: E402


@task
def do_nothing() -> None:
    """The task: nothing."""


@flow(name="bench-trivial")
def run_trivial_flow() -> None:
    """The flow: one task."""
    do_nothing()


if __name__ == "__main__":
    with run_settings(None):
        run_trivial_flow()
