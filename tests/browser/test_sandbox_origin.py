"""The local Slack answers its own page and no other (devstack/slack_sandbox/guard.py), checked
in Chromium: a page on another origin can neither read the workspace nor post to it nor reset
it, and the workspace page's own buttons still work."""

from __future__ import annotations

import requests
from playwright.sync_api import Page, expect

from tests.e2e.harness import unique

# Everything a hostile page can try without the sandbox's consent: a CORS read, and the
# "simple" requests a browser sends without asking first (no-cors, text/plain, a form).
ATTACK = """async ({ sandbox, marker }) => {
  const out = {};
  try {
    out.read = await (await fetch(`${sandbox}/_sandbox/state`)).text();
  } catch (error) {
    out.read = "blocked";
  }
  const mention = JSON.stringify({ channel: "C0RANDOM", text: `<@U0BOT> ${marker}` });
  await fetch(`${sandbox}/_sandbox/messages`, {
    method: "POST", mode: "no-cors", headers: { "Content-Type": "text/plain" }, body: mention,
  }).catch(() => null);
  await fetch(`${sandbox}/_sandbox/reset`, { method: "POST", mode: "no-cors", body: "{}" })
    .catch(() => null);
  const form = document.createElement("form");
  form.method = "POST";
  form.action = `${sandbox}/_sandbox/reset`;
  form.enctype = "text/plain";
  document.body.appendChild(form);
  return out;
}"""


def messages(stack, channel: str) -> list[str]:
    answer = requests.get(
        f"{stack.sandbox_url}/_sandbox/messages", params={"channel": channel}, timeout=10
    )
    return [m.get("text", "") for m in answer.json()["messages"]]


def test_a_page_on_another_origin_can_neither_read_nor_change_the_workspace(page: Page, stack):
    keep = unique("must survive")
    requests.post(
        f"{stack.sandbox_url}/_sandbox/messages",
        json={"channel": "C0RANDOM", "text": keep},
        timeout=10,
    ).raise_for_status()
    marker = unique("posted by another site")
    # Another origin: the fake model server's port on the same loopback address.
    page.goto(f"{stack.openai_base_url}/models")

    out = page.evaluate(ATTACK, {"sandbox": stack.sandbox_url, "marker": marker})
    page.evaluate("document.forms[0].submit()")
    page.wait_for_load_state()

    assert out["read"] == "blocked"
    texts = messages(stack, "C0RANDOM")
    assert keep in texts  # not reset
    assert not any(marker in text for text in texts)  # nothing posted


def test_the_pages_own_clear_button_still_empties_the_workspace(page: Page, stack):
    requests.post(
        f"{stack.sandbox_url}/_sandbox/messages",
        json={"channel": "C0RANDOM", "text": unique("to be cleared")},
        timeout=10,
    ).raise_for_status()
    page.goto(f"{stack.sandbox_url}/#C0RANDOM")
    page.wait_for_selector("body.ready")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#clear-workspace").click()
    expect(page.locator("#messages .msg")).to_have_count(0)
    assert messages(stack, "C0RANDOM") == []
