"""Charts come back as files, however the code ends them: model-written code often calls
`plt.show()`, which draws nothing without a screen (issue 26: the asked-for chart never came)."""

from __future__ import annotations

import uuid

from assistant.executor.protocol import RunRequest, RunResult


def run(runner, code: str) -> RunResult:
    return runner.run(RunRequest(run_id=uuid.uuid4().hex, code=code, timeout_seconds=20))


def test_a_chart_that_is_only_shown_is_saved_and_comes_back(runner):
    code = (
        "import matplotlib.pyplot as plt\n"
        "plt.bar(['Africa', 'Europe'], [57.0, 76.4])\n"
        "plt.title('Life expectancy, 2007')\n"
        "plt.show()\n"
        "print('shown')\n"
    )
    result = run(runner, code)
    assert result.exit_code == 0 and result.stderr == "", result.stderr
    [chart] = result.files
    assert chart.name == "figure-1.png" and chart.data.startswith(b"\x89PNG")


def test_a_chart_drawn_and_never_shown_or_saved_is_kept_at_the_end(runner):
    code = "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nimport os\nos.chdir('/tmp')\n"
    result = run(runner, code)
    assert [file.name for file in result.files] == ["figure-1.png"]


def test_a_saved_chart_is_not_saved_twice_and_an_empty_figure_is_not_kept(runner):
    code = (
        "import matplotlib.pyplot as plt\n"
        "plt.plot([1, 2]); plt.savefig('mine.png'); plt.show()\n"
        "plt.figure()\n"  # nothing drawn on it
    )
    result = run(runner, code)
    assert [file.name for file in result.files] == ["mine.png"]


def test_what_a_chart_shows_is_printed_after_the_run_s_output(runner):
    # Issue 26: the chart code printed nothing; told so, the model answered from the CSV's first
    # rows. The bars' labels and heights, as drawn, follow the run's own output.
    code = (
        "import pandas as pd, matplotlib.pyplot as plt\n"
        "means = pd.Series({'Africa': 57.0354, 'Oceania': 80.7195, 'Europe': 77.6})\n"
        "print('computed')\n"
        "means.plot.bar(title='Life expectancy, 2007')\n"
        "plt.savefig('averages.png')\n"
    )
    result = run(runner, code)
    assert result.exit_code == 0 and result.stderr == "", result.stderr
    assert result.stdout.splitlines() == [
        "computed",
        "[chart averages.png, as drawn: Life expectancy, 2007]",
        "Africa: 57.0354; Oceania: 80.7195; Europe: 77.6",
        "highest: Oceania (80.7195); lowest: Africa (57.0354)",
    ]
