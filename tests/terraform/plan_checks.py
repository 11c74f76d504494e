"""A second plan with nothing to change, and a `terraform destroy` that gets through.

Each check takes the parsed model (and, for teardown, docs/deploy.md) and returns problems.
"""

from __future__ import annotations

import re
from typing import Any

from tests.terraform.hcl_model import Model, first, references

__all__ = ["check_data_sources_read_at_plan", "check_direct_vpc_names", "check_teardown"]

TEARDOWN_HEADING = "## 7. Tearing down"


def check_data_sources_read_at_plan(model: Model) -> list[str]:
    """No data source has depends_on on a managed resource.

    Terraform postpones reading such a data source to the apply whenever anything it depends on
    has a change planned; what it returns is then unknown in the plan, and every resource that
    uses it (an IAM member naming a service agent) shows as replaced. Order a first read after a
    wait by referring to a value of the wait that is unknown only until it has run.
    """
    problems = []
    for kind, named in model.data.items():
        for name, body in named.items():
            managed = [d for d in body.get("depends_on", []) if not d.startswith("${data.")]
            if managed:
                problems.append(
                    f"data.{kind}.{name} has depends_on {managed}: it is read at apply time "
                    "whenever those have changes, and what uses it churns"
                )
    return problems


def check_direct_vpc_names(model: Model) -> list[str]:
    """Direct VPC egress names its network and subnet by short name (what the API returns)."""
    problems = []
    for name, service in model.of_type("google_cloud_run_v2_service").items():
        access = first(first(service, "template"), "vpc_access")
        for interface in access.get("network_interfaces", []):
            for attribute in ("network", "subnetwork"):
                value = str(interface.get(attribute, ""))
                if value and not re.fullmatch(r"\$\{google_compute_\w+\.\w+\.name\}", value):
                    problems.append(
                        f"google_cloud_run_v2_service.{name}: {attribute} = {value!r}; the API "
                        "returns the short name, so anything else shows as a change in every plan"
                    )
    return problems


def _section(doc: str, heading: str) -> str:
    match = re.search(rf"^{re.escape(heading)}\n(.*?)(?=^## )", doc, re.M | re.S)
    return match[1] if match else ""


def check_teardown(model: Model, deploy_doc: str) -> list[str]:
    """Every bucket's destroy is decided, nothing is protected, and the docs say what waits."""
    problems = []
    for name, bucket in model.of_type("google_storage_bucket").items():
        problems += _force_destroy_decided(model, f"google_storage_bucket.{name}", bucket)
    for kind in ("google_cloud_run_v2_service",):
        for name, body in model.of_type(kind).items():
            if body.get("deletion_protection") is not False:
                problems.append(f"{kind}.{name}: deletion_protection must be false to destroy it")
    teardown = _section(deploy_doc, TEARDOWN_HEADING)
    if not teardown:
        return [*problems, f"docs/deploy.md has no {TEARDOWN_HEADING!r} section"]
    uses_direct_vpc = any(
        first(first(s, "template"), "vpc_access").get("network_interfaces")
        for s in model.of_type("google_cloud_run_v2_service").values()
    )
    if uses_direct_vpc and not re.search(r"subnet.*\bhours?\b", teardown, re.S):
        problems.append(
            "docs/deploy.md's teardown does not say that Direct VPC egress holds the subnet's "
            "addresses for hours after the service is gone (destroy stops there)"
        )
    for variable in _force_destroy_variables(model):
        if variable not in teardown:
            problems.append(f"docs/deploy.md's teardown does not mention {variable}")
    return problems


def _force_destroy_decided(model: Model, address: str, bucket: dict[str, Any]) -> list[str]:
    value = bucket.get("force_destroy")
    if value is True:
        return []
    variables = references(str(value))["var"] if isinstance(value, str) else set()
    if len(variables) == 1 and model.variables.get(next(iter(variables)), {}).get("type") in (
        "bool",
        "${bool}",
    ):
        return []
    return [
        f"{address}: force_destroy is {value!r}; say whether destroy may delete its objects "
        "(true for copies, a bool variable for what people put there)"
    ]


def _force_destroy_variables(model: Model) -> list[str]:
    found = []
    for bucket in model.of_type("google_storage_bucket").values():
        value = bucket.get("force_destroy")
        if isinstance(value, str):
            found += sorted(references(value)["var"])
    return found
