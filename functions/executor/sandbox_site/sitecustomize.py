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

    saved = {}  # id -> (figure, the file's name) of the figures saved, by the code or here
    save = Figure.savefig

    def savefig(figure, *args, **kwargs):
        target = args[0] if args else kwargs.get("fname", "")
        saved[id(figure)] = (figure, os.path.basename(str(target)))
        return save(figure, *args, **kwargs)

    def save_unsaved(*args, **kwargs):
        for number in pyplot.get_fignums():
            figure = pyplot.figure(number)
            if id(figure) in saved or not figure.axes:
                continue
            name = f"figure-{number}.png"
            saved[id(figure)] = (figure, name)
            if not os.path.exists(os.path.join(_WORKDIR, name)):
                save(figure, os.path.join(_WORKDIR, name), bbox_inches="tight")

    def at_exit():
        save_unsaved()
        try:
            for figure, name in saved.values():
                for line in _chart_data(figure, name):
                    print(line)
        except Exception:  # a chart's data is a courtesy: never the run's failure
            pass
        sys.stdout.flush()

    Figure.savefig = savefig
    pyplot.show = save_unsaved
    atexit.register(at_exit)


# Printed after the run's own output, so a model whose code only drew a chart still reads its
# numbers (issue 26: the chart code printed nothing, and the model, told nothing was known,
# answered from the CSV's first rows). At most this many values per series.
_CHART_VALUES = 20


def _chart_data(figure, name):
    """Lines saying what each saved chart shows: its bars' labels and heights, its lines' points."""
    for axes in figure.axes:
        suptitle = figure._suptitle.get_text() if getattr(figure, "_suptitle", None) else ""
        title = axes.get_title() or suptitle
        header = f"[chart {name}, as drawn" + (f": {title}" if title else "") + "]"
        lines = []
        for container in getattr(axes, "containers", []):
            horizontal = getattr(container, "orientation", "vertical") == "horizontal"
            ticks = axes.get_yticklabels() if horizontal else axes.get_xticklabels()
            axis = 1 if horizontal else 0
            places = {round(t.get_position()[axis], 6): t.get_text() for t in ticks}
            bars = []
            for bar in list(container)[:_CHART_VALUES]:
                if horizontal:
                    at, size = bar.get_y() + bar.get_height() / 2, bar.get_width()
                else:
                    at, size = bar.get_x() + bar.get_width() / 2, bar.get_height()
                bars.append((places.get(round(at, 6)) or f"{at:g}", size))
            series = container.get_label() or ""
            series = "" if series.startswith("_") else f"{series}: "
            lines.append(f"{series}" + "; ".join(f"{label}: {size:.6g}" for label, size in bars))
            if len(bars) > 1:  # a 1.5B model read "highest" off the list's first bar
                top, low = max(bars, key=lambda bar: bar[1]), min(bars, key=lambda bar: bar[1])
                lines.append(f"highest: {top[0]} ({top[1]:.6g}); lowest: {low[0]} ({low[1]:.6g})")
        for line in axes.get_lines()[:3]:
            xs, ys = line.get_xdata(), line.get_ydata()
            if len(ys) == 0 or len(ys) > _CHART_VALUES:
                continue
            label = line.get_label()
            label = "" if label.startswith("_") else f"{label}: "
            points = zip(xs, ys, strict=False)
            lines.append(label + "; ".join(f"{x}: {float(y):.6g}" for x, y in points))
        if lines:
            yield header
            yield from lines


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
