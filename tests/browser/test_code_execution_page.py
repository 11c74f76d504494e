"""A person asks for a chart in the workspace page: the status while the code runs, the chart as
an image in the thread, the number and the code under the answer."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.test_workspace_page import final_bot_replies, open_page
from tests.e2e.harness import unique

pytestmark = pytest.mark.browser

CODE = (
    "import pandas as pd, matplotlib.pyplot as plt\n"
    "df = pd.read_csv('sales.csv')\n"
    "print('TOTAL', int(df['q2'].sum()))\n"
    "df.plot.bar(x='region', y='q2', title='地域別の売上 (q2)')\n"
    "plt.savefig('chart.png')\n"
)


def test_a_chart_asked_for_appears_in_the_thread_with_the_code(page, stack, tmp_path, artifacts):
    if "executor" not in stack.urls:
        pytest.skip(f"the executor is not running: {stack.executor_problem}")
    csv = tmp_path / "sales.csv"
    csv.write_text("region,q1,q2\nnorth,10,14\nsouth,8,9\neast,5,11\n")
    open_page(page, stack, "D0ALICE")
    page.set_input_files("#composer input[type=file]", [str(csv)])
    box = page.locator("#composer textarea")
    question = unique("which region grew fastest? plot it")
    box.fill(f"{question} [[tool:run_python:{json.dumps({'code': CODE})}]]")
    box.press("Enter")

    step = page.locator("#thread .task-card", has_text="Running Python")  # the run's task card
    expect(step).to_be_visible(timeout=60_000)
    chart = page.locator("#thread img").last
    expect(chart).to_be_visible(timeout=60_000)
    assert chart.evaluate("img => img.complete && img.naturalWidth") > 100  # a real PNG
    answer = final_bot_replies(page).filter(has_text="TOTAL 34")
    expect(answer).to_be_visible(timeout=30_000)
    expect(answer.locator("pre").last).to_contain_text("df = pd.read_csv('sales.csv')")
    page.screenshot(path=str(artifacts / "workspace-code-execution.png"), full_page=True)
