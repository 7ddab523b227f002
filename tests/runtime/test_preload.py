"""The workers' forkserver preload: it builds the shared resources and leaves the collector as it found it."""

from __future__ import annotations

import subprocess
import sys

CHECK = (
    "import gc, sys; import pipeline.runtime.preload; "
    "from pipeline.runtime.batch import process_resources; "
    "print(gc.isenabled(), gc.get_freeze_count() > 0, process_resources.cache_info().currsize, "
    "'spacy' in sys.modules, 'pipeline.read.pdfium.reader' in sys.modules)"
)


def test_preload_builds_the_resources_with_the_collector_back_on_and_what_it_built_frozen() -> None:
    # a fresh interpreter, as the forkserver is: the collector must not stay off in the workers forked from it
    done = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "True", "1", "True", "True"]
