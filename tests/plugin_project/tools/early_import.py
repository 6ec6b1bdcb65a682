"""Loaded with ``-p tools.early_import``: imports the project before pytrace_sem's hook exists."""

import legacy  # noqa: F401
