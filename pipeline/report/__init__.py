"""The report: one self-contained HTML page of a snapshot (tables, charts, what changed)."""
