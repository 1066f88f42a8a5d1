"""The build pipeline: validate parameters, decide what must run, execute notebooks, export.

One concern per module:

- :mod:`~analysis.pipeline.chapters` reads the chapters registry (``notebooks/chapters.toml``);
- :mod:`~analysis.pipeline.params` parses ``-p name=value`` and validates values before
  anything runs;
- :mod:`~analysis.pipeline.datainfo` caches the year coverage and provenance of a data
  directory (the only place that loads pandas, and only on a cache miss);
- :mod:`~analysis.pipeline.fingerprint` hashes what a chapter depends on;
- :mod:`~analysis.pipeline.cache` reads and writes the build records in ``OUT/.build``;
- :mod:`~analysis.pipeline.execute` runs one chapter in a worker process and writes its files;
- :mod:`~analysis.pipeline.progress` shows the live status and the closing table;
- :mod:`~analysis.pipeline.lock` keeps two builds out of one output directory;
- :mod:`~analysis.pipeline.build` ties them together (``migration-report run`` and ``build``).

Nothing here imports pandas, papermill or nbconvert at module level: a build with nothing to
do must stay fast.
"""
