"""The build pipeline: validate parameters, decide what must run, execute notebooks, export.

``run``, ``build`` and ``sweep`` take one path (:mod:`~analysis.pipeline.engine`): targets
(chapter x parameters x output folder) -> one planner -> one run-and-record step (on a runner
chosen by name) -> the command's index and the one closing table. One concern per module:

- :mod:`~analysis.pipeline.chapters` reads the chapters registry (``notebooks/chapters.toml``);
- :mod:`~analysis.pipeline.params` parses ``-p name=value`` and validates values before
  anything runs;
- :mod:`~analysis.pipeline.datainfo` caches the year coverage and provenance of a data
  directory (the only place that loads pandas, and only on a cache miss);
- :mod:`~analysis.pipeline.fingerprint` hashes what a chapter depends on;
- :mod:`~analysis.pipeline.cache` reads and writes the build records in ``OUT/.build``;
- :mod:`~analysis.pipeline.records` the :class:`~analysis.pipeline.records.Status` of a target
  and the :class:`~analysis.pipeline.records.BuildRecord` written for it;
- :mod:`~analysis.pipeline.engine` plans targets and has them run and recorded;
- :mod:`~analysis.pipeline.execute` runs one chapter (in whatever process a runner gives it)
  and writes its files;
- :mod:`~analysis.pipeline.runners` where chapters run: ``warm`` (the default: local
  workers that each keep a kernel warm, :mod:`~analysis.pipeline.runners.warm` with
  :mod:`~analysis.pipeline.kernels`), ``local`` (a new kernel per notebook,
  :mod:`~analysis.pipeline.runners.local`) and ``dask`` (:mod:`~analysis.pipeline.runners.dask`),
  registered by name;
- :mod:`~analysis.pipeline.progress` the one live display and closing table;
- :mod:`~analysis.pipeline.lock` keeps two builds out of one output directory;
- :mod:`~analysis.pipeline.build` the report (``migration-report run`` and ``build``) and its
  index; :mod:`~analysis.pipeline.sweep` a sweep, with
  :mod:`~analysis.pipeline.combinations` (its combinations) and
  :mod:`~analysis.pipeline.sweep_outputs` (its index and key-figures table).

Settings (jobs, runner, scheduler, registry, cache, ``SOURCE_DATE_EPOCH``) are resolved in
:mod:`analysis.config`.

Nothing here imports pandas, papermill or nbconvert at module level: a build with nothing to
do must stay fast.
"""

__all__: list[str] = []  # import the modules themselves (they are imported lazily on purpose)
