"""``python -m analysis`` runs the command-line interface."""

from analysis.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
