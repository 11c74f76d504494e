"""Runs first in every Python inside the sandbox (PYTHONPATH): matplotlib's configuration
comes from its configuration directory, never from the working directory, and a chart the code
drew is kept even when it was shown rather than saved.

matplotlib reads ./matplotlibrc before $MATPLOTLIBRC, and the working directory holds the
thread's attachments, so an attachment named `matplotlibrc` would restyle every chart. This
imports matplotlib, when the code first asks for it, from $MPLCONFIGDIR; nothing is imported
before that (a run that draws nothing pays nothing).

Models often end a chart with `plt.show()`, which draws nothing without a screen (issue 26: the
asked-for chart never came). So `plt.show()`, and the end of the run, save every figure with
something drawn that the code did not save itself as `figure-N.png` in the working directory,
where the run's outputs are collected.
"""

import atexit
import importlib.abc
import importlib.machinery
import os
import sys

_WORKDIR = os.getcwd()  # the run's directory, whatever the code changes to later


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


class _ShownIsSaved(importlib.abc.Loader):
    """Loads matplotlib.pyplot, then makes `show()` and the run's end keep unsaved figures."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        _keep_figures(module)


def _keep_figures(pyplot):
    from matplotlib.figure import Figure  # type: ignore[import-not-found]  # sandbox only

    saved = set()  # the figures the code saved itself (by id)
    save = Figure.savefig

    def savefig(figure, *args, **kwargs):
        saved.add(id(figure))
        return save(figure, *args, **kwargs)

    def save_unsaved(*args, **kwargs):
        for number in pyplot.get_fignums():
            figure = pyplot.figure(number)
            if id(figure) in saved or not figure.axes:
                continue
            saved.add(id(figure))
            name = os.path.join(_WORKDIR, f"figure-{number}.png")
            if not os.path.exists(name):
                save(figure, name, bbox_inches="tight")

    Figure.savefig = savefig
    pyplot.show = save_unsaved
    atexit.register(save_unsaved)


_LOADERS = {"matplotlib": _ConfiguredElsewhere, "matplotlib.pyplot": _ShownIsSaved}


class _MatplotlibFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name not in _LOADERS:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _LOADERS[name](spec.loader)
        return spec


sys.meta_path.insert(0, _MatplotlibFinder())
