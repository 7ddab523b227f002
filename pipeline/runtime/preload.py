"""Imported by the worker processes' forkserver (see `pipeline.runtime.workers`), and by nothing else.

Building the gazetteer and spaCy pipeline here, once, lets every worker forked from the
forkserver start warm: the second worker and every replacement of a killed one start in
milliseconds instead of seconds. The modules a document needs are imported here too (the readers
import lazily, so that a run of the other engine does not pay for them): without them a worker's
first document took 0.2 s longer. Building at import time is this module's only purpose.

The collector is off while it builds: spaCy's vocabulary, the gazetteer and the modules are
hundreds of thousands of objects that live as long as the process, and the collections their
allocations set off walked them again and again (a fifth of the build, 0.2 s a run). Frozen
afterwards, they stay out of every later collection, here and in the workers forked from here.
"""

from __future__ import annotations

import gc
import importlib

gc.disable()
try:
    from pipeline.runtime.batch import process_resources

    process_resources()
    for module in (
        "pipeline.read.pdfium.reader",
        "pipeline.read.plumber",
        "pipeline.dataset.cache",
        "pipeline.extract.neighbourhoods",
    ):
        importlib.import_module(module)
except Exception:  # noqa: BLE001 - each worker then builds and imports itself, and reports what fails
    pass
finally:
    gc.freeze()
    gc.enable()
