"""Terraform's placeholder secret version reads as "not configured yet", like a missing file.

terraform/secrets.tf gives every secret a first version holding SECRET_PLACEHOLDER, because
Cloud Run will not deploy a secret volume without one. The functions must answer 503 on it
(SecretUnavailable) exactly as before any version existed, never use it as a credential.
"""

from __future__ import annotations

import pytest

from assistant.config import SECRET_PLACEHOLDER, SecretUnavailable, Settings


@pytest.mark.parametrize("written", [SECRET_PLACEHOLDER, SECRET_PLACEHOLDER + "\n"])
@pytest.mark.parametrize("name", ["SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "OPENAI_API_KEY"])
def test_the_placeholder_is_not_configured_yet(tmp_path, name, written):
    secret = tmp_path / "value"
    secret.write_text(written)
    with pytest.raises(SecretUnavailable, match=f"{name} .* placeholder") as raised:
        Settings.from_env({f"{name}_FILE": str(secret)})
    assert SECRET_PLACEHOLDER not in str(raised.value)


def test_a_real_version_added_after_the_placeholder_is_used(tmp_path):
    secret = tmp_path / "value"
    secret.write_text(SECRET_PLACEHOLDER)
    with pytest.raises(SecretUnavailable):
        Settings.from_env({"SLACK_BOT_TOKEN_FILE": str(secret)})
    secret.write_text("xoxb-the-real-token\n")  # `gcloud secrets versions add` makes it latest
    assert Settings.from_env({"SLACK_BOT_TOKEN_FILE": str(secret)}).slack_bot_token == (
        "xoxb-the-real-token"
    )


def test_only_the_exact_placeholder_is_refused(tmp_path):
    secret = tmp_path / "value"
    secret.write_text(f"{SECRET_PLACEHOLDER} but longer")
    settings = Settings.from_env({"OPENAI_API_KEY_FILE": str(secret)})
    assert settings.openai_api_key == f"{SECRET_PLACEHOLDER} but longer"


def test_the_placeholder_is_plain_text_terraform_can_write_literally():
    # No template sequences (HCL would interpolate them) and no surrounding whitespace (the
    # reader strips what it reads, so the comparison would never match).
    assert "${" not in SECRET_PLACEHOLDER and "%{" not in SECRET_PLACEHOLDER
    assert SECRET_PLACEHOLDER.strip() == SECRET_PLACEHOLDER and '"' not in SECRET_PLACEHOLDER
