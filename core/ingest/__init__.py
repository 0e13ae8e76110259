"""Spreadsheet ingest, an adapter at the edge of the core: templates out, checked uploads in.

What the upload page and the command line call:

- ``core.ingest.template.template_bytes(framework_id, kind)`` (or ``write_template``): a template to fill
- ``core.ingest.importer.check_file(source, file_name)``: every finding, writing nothing
- ``core.ingest.importer.import_file(engine, source, file_name, user)``: a ``Receipt``, or
  ``core.errors.InvalidWorkbook`` holding every ``core.findings.Finding``

(Kept free of imports so that the store can use the ingest's small helpers without a cycle.)
"""
