"""Upward reporting to the city credit office (``gongshi report``): every collected record, in full,
in the national standard's columns. Internal: never part of the site, never through ``PublicRecord``.

``columns`` (the report's columns: names and field codes), ``rows`` (a record as a report row, with
unsealed ID numbers), ``ledger`` (which batches were sent: exactly once), ``files`` (xlsx, csv,
json) and ``exchange`` (the front database, through SQLAlchemy). docs/reporting.md.
"""
