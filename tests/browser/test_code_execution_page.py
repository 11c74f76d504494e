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


TABLE_CODE = (
    "import json, pandas as pd\n"
    "df = pd.DataFrame({'region': ['north', 'south', 'east'], 'q2': [14, 9, 11]})\n"
    "df.to_csv('totals.csv', index=False)\n"
    "spec = {'type': 'bar', 'title': 'Q2 by region', 'categories': list(df.region),\n"
    "        'series': [{'name': 'q2', 'values': [int(v) for v in df.q2]}]}\n"
    "json.dump(spec, open('q2.chart.json', 'w'))\n"
    "print('ROWS', len(df))\n"
)


def test_a_code_runs_table_and_chart_show_natively_under_the_answer(page, stack, artifacts):
    if "executor" not in stack.urls:
        pytest.skip(f"the executor is not running: {stack.executor_problem}")
    open_page(page, stack, "D0ALICE")
    box = page.locator("#composer textarea")
    question = unique("tabulate q2 by region")
    box.fill(f"{question} [[tool:run_python:{json.dumps({'code': TABLE_CODE})}]]")
    box.press("Enter")

    answer = page.locator("#thread .msg.bot").filter(has=page.locator(".rich-table")).last
    expect(answer).to_be_visible(timeout=60_000)
    rows = answer.locator(".rich-table tr")
    expect(rows).to_have_count(4)  # the header and three regions
    expect(rows.first).to_contain_text("region")
    expect(rows.nth(1)).to_contain_text("north")
    expect(rows.nth(1).locator("td").last).to_have_text("14")
    chart = answer.locator(".rich-chart[data-chart=bar]")
    expect(chart).to_contain_text("Q2 by region")
    expect(chart.locator("svg rect")).to_have_count(3)
    expect(answer.locator(".block-actions .feedback")).to_have_count(2)  # still under it all
    expect(answer).to_contain_text("ROWS 3")
    page.screenshot(path=str(artifacts / "workspace-native-table.png"), full_page=True)
