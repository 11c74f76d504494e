"""Runs first in every Python inside the sandbox (PYTHONPATH): matplotlib's configuration
comes from its configuration directory, never from the working directory.

matplotlib reads ./matplotlibrc before $MATPLOTLIBRC, and the working directory holds the
thread's attachments, so an attachment named `matplotlibrc` would restyle every chart. This
imports matplotlib, when the code first asks for it, from $MPLCONFIGDIR; nothing is imported
before that (a run that draws nothing pays nothing).
"""

import importlib.abc
import importlib.machinery
import os
import sys


class _ConfiguredElsewhere(importlib.abc.Loader):
    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        here = os.getcwd()
        os.chdir(os.environ.get("MPLCONFIGDIR") or "/")
        try:
            self._loader.exec_module(module)
        finally:
            os.chdir(here)


class _MatplotlibFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name != "matplotlib":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _ConfiguredElsewhere(spec.loader)
        return spec


sys.meta_path.insert(0, _MatplotlibFinder())
