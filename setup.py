"""Build configuration beyond pyproject.toml: the optional C accelerator of the recorder.

``pytrace_sem._speedups`` speeds up the recorder's hot paths. It is optional: where
it cannot be compiled (no C compiler), the install still succeeds and the pure
Python recorder, which records the same traces, is used.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("pytrace_sem._speedups", ["pytrace_sem/_speedups.c"], optional=True),
    ],
)
