"""The probation inspection domain: frameworks as data, the rating rules, analysis.

Nothing under ``core/`` imports Streamlit. Storage (``core.store``), spreadsheet ingest
(``core.ingest``) and chart builders (``core.charts``) are adapters at the edge.
"""
