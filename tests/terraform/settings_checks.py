"""The settings file's deployment: the repository's config/assistant.yaml, valid, uploaded as
one object whose address the responder is given, readable by the responder alone."""

from __future__ import annotations

from pathlib import Path

from assistant.channels.settings_file import InvalidSettings
from assistant.channels.source import parse_yaml
from tests.terraform.hcl_model import Model, all_strings, first
from tests.terraform.wiring import environment, functions

__all__ = ["check_settings_file"]

OBJECT = "google_storage_bucket_object.settings"


def check_settings_file(model: Model, path: Path, text: str | None = None) -> list[str]:
    problems = []
    try:
        parse_yaml((path.read_text() if text is None else text).encode())
    except InvalidSettings as error:
        problems.append(f"{path.name} does not validate: {error}")
    body = model.of_type("google_storage_bucket_object").get("settings")
    if body is None:
        return [*problems, f"no {OBJECT} deploys {path.name}"]
    if f"/config/{path.name}" not in "\n".join(
        all_strings([body, model.locals])
    ) or "file(" not in str(body.get("content")):
        problems.append(f"{OBJECT} does not upload config/{path.name} from the repository")
    uri = str(model.locals.get("settings_uri", ""))
    if OBJECT not in uri or not uri.startswith("gs://"):
        problems.append(f"local.settings_uri is not the gs:// address of {OBJECT}")
    responder = functions(model).get("responder")
    env = environment(model, first(responder[1], "service_config")) if responder else {}
    if env.get("SETTINGS_URI") != "${local.settings_uri}":
        problems.append("the responder's SETTINGS_URI is not local.settings_uri")
    return problems
