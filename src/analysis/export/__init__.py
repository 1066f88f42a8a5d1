"""Export: what notebooks display (prose, figures, tables, key figures) and how chapters are written.

- :mod:`analysis.export.display` is used *inside* notebooks to show prose, numbered figures and
  tables with captions and source lines, and to record key figures.
- :mod:`analysis.export.key_figures` reads the recorded key figures back out of an executed
  notebook and writes ``CHAPTER.key_figures.json``.
"""

__all__: list[str] = []  # import the modules themselves (a notebook imports only ``display``)
