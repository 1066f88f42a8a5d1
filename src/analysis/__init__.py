"""Migration-policy report: data layer, subject analyses, build pipeline and export.

The data flow is the architecture::

    sources (adapters)  ->  schemas (canonical tables)  ->  trends / remittances / survey / talent
                        ->  pipeline (run, cache, sweep) ->  export (HTML, Markdown, key figures)
"""

from importlib.metadata import PackageNotFoundError, version

try:  # pragma: no cover - trivial
    __version__ = version("migration-report")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
