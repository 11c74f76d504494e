"""The code executor's deployment (terraform/executor.tf): nothing it runs may reach anything.

Each check takes the parsed model and returns problems. The executor is a Cloud Run service
built from an image (buildpacks cannot install bubblewrap), so the function checks do not
see it; these do.
"""

from __future__ import annotations

from typing import Any

from tests.terraform.build_checks import build_invocation
from tests.terraform.hcl_model import Model, all_strings, first, references, target
from tests.terraform.wiring import environment, functions, iam_bindings

__all__ = [
    "EXECUTOR",
    "check_executor_build",
    "check_executor_identity",
    "check_executor_invokers",
    "check_executor_isolation",
    "check_executor_no_egress",
    "check_executor_wiring",
]

EXECUTOR = "google_cloud_run_v2_service.executor"
_MAX_INSTANCES_CAP = 20


def _service(model: Model) -> dict[str, Any]:
    return model.of_type("google_cloud_run_v2_service").get("executor") or {}


def _template(model: Model) -> dict[str, Any]:
    return first(_service(model), "template")


def check_executor_identity(model: Model) -> list[str]:
    """Its own service account, granted nothing (the default one would hold Editor)."""
    template = _template(model)
    if not _service(model):
        return [f"{EXECUTOR} is missing"]
    problems = []
    account = str(template.get("service_account", ""))
    if target(account) != "google_service_account.executor":
        problems.append(f"the executor runs as {account or 'the default service account'}")
    bindings, _ = iam_bindings(model)
    for grant in bindings:
        if grant.principal == "sa:executor":
            problems.append(f"the executor's account holds {grant.role} ({grant.source})")
    return problems


def check_executor_invokers(model: Model) -> list[str]:
    """Only the responder's service account may invoke it; no public member, no condition."""
    bindings, problems = iam_bindings(model)
    invokers = [b for b in bindings if b.target == EXECUTOR]
    if not invokers:
        return ["nobody may invoke the executor: the responder needs roles/run.invoker"]
    for grant in invokers:
        if grant.role != "roles/run.invoker" or grant.principal != "sa:responder":
            problems.append(f"{grant.principal} holds {grant.role} on the executor")
    return problems


def check_executor_isolation(model: Model) -> list[str]:
    """One request per instance, capped instances, gen2, no secrets and no environment."""
    template = _template(model)
    problems = []
    if str(template.get("max_instance_request_concurrency")) != "1":
        problems.append("the executor must serve one request per instance (concurrency 1)")
    if template.get("execution_environment") != "EXECUTION_ENVIRONMENT_GEN2":
        problems.append("the executor must run in the gen2 environment (bubblewrap needs it)")
    cap = first(template, "scaling").get("max_instance_count")
    refs = references(str(cap))["var"] if isinstance(cap, str) else set()
    if len(refs) == 1:
        variable = model.variables.get(next(iter(refs)), {})
        cap = variable.get("default")
        if "validation" not in variable:
            problems.append("the executor's instance cap is a variable without a validation")
    if not isinstance(cap, int) or not 1 <= cap <= _MAX_INSTANCES_CAP:
        problems.append(f"the executor's instances are not capped (max_instance_count {cap!r})")
    for container in template.get("containers", []):
        if container.get("env") or container.get("volume_mounts"):
            problems.append("the executor's container gets environment or volumes: it needs none")
    if template.get("volumes"):
        problems.append("the executor mounts volumes (secrets?): it needs none")
    return problems


def check_executor_no_egress(model: Model) -> list[str]:
    """All traffic into a subnet with no route out, and a deny-all egress rule on its network."""
    access = first(_template(model), "vpc_access")
    problems = []
    if access.get("egress") != "ALL_TRAFFIC":
        problems.append("the executor's egress must be ALL_TRAFFIC into its network")
    interface = first(access, "network_interfaces")
    subnet_address = target(str(interface.get("subnetwork", ""))) or ""
    network_address = target(str(interface.get("network", ""))) or ""
    subnet = model.of_type("google_compute_subnetwork").get(subnet_address.split(".")[-1])
    if not subnet_address.startswith("google_compute_subnetwork.") or subnet is None:
        return [*problems, "the executor is not attached to a subnet of its own"]
    if str(subnet.get("private_ip_google_access", "false")).lower() != "false":
        problems.append("the executor's subnet has Private Google Access: a route to Google APIs")
    if target(str(subnet.get("network", ""))) != network_address:
        problems.append("the executor's subnet is not in the network it is attached to")
    for name in model.of_type("google_compute_router_nat"):
        problems.append(f"google_compute_router_nat.{name}: Cloud NAT would give a route out")
    for name, router in model.of_type("google_compute_router").items():
        if target(str(router.get("network", ""))) == network_address:
            problems.append(f"google_compute_router.{name} is on the executor's network")
    if not any(_denies_all_egress(rule, network_address) for rule in _firewalls(model)):
        problems.append("no firewall rule denies all egress from the executor's network")
    return problems


def _firewalls(model: Model) -> list[dict[str, Any]]:
    return list(model.of_type("google_compute_firewall").values())


def _denies_all_egress(rule: dict[str, Any], network: str) -> bool:
    denied = {str(block.get("protocol")) for block in rule.get("deny", [])}
    return (
        target(str(rule.get("network", ""))) == network
        and rule.get("direction") == "EGRESS"
        and "all" in denied
        and "0.0.0.0/0" in (rule.get("destination_ranges") or [])
        and not rule.get("allow")
        and not rule.get("target_tags")
        and not rule.get("target_service_accounts")
    )


def check_executor_build(model: Model) -> list[str]:
    """The image is built from functions/executor/ in this apply, tagged by content hash."""
    problems = []
    image = str(first(_template(model), "containers").get("image", ""))
    expression = (
        model.locals.get("executor_image", "") if "local.executor_image" in image else image
    )
    if "data.archive_file.executor.output_sha256" not in str(expression):
        problems.append("the executor's image is not tagged with its source's content hash")
    build = model.of_type("terraform_data").get("executor_image") or {}
    shell, environment = build_invocation(model)
    command = " ".join([shell, *map(str, environment.values())])
    for needed in ("gcloud builds submit", "google_storage_bucket_object.executor_source"):
        if needed not in command:
            problems.append(f"the image build does not run {needed!r}")
    if "google_service_account.builder" not in command:
        problems.append("the image build does not run as the builder service account")
    if "local.executor_image" not in " ".join(all_strings(build.get("triggers_replace", []))):
        problems.append("the image build is not re-run when the image tag changes")
    if "terraform_data.executor_image" not in " ".join(
        all_strings(_service(model).get("depends_on", []))
    ):
        problems.append("the executor is deployed without waiting for its image to be built")
    files = " ".join(all_strings(model.locals.get("executor_files", {})))
    if "/functions/executor" not in files or "executor/protocol.py" not in files:
        problems.append("the executor's zip is not functions/executor/ plus its protocol module")
    return problems


def check_executor_wiring(model: Model) -> list[str]:
    """The responder calls the executor at the service's own URL."""
    responder = functions(model).get("responder")
    if responder is None:
        return ["no responder function"]
    env = environment(model, first(responder[1], "service_config"))
    url = str(env.get("EXECUTOR_URL", ""))
    if target(url) != EXECUTOR or not url.endswith(".uri}"):
        return [f"the responder's EXECUTOR_URL is {url!r}, not the executor's uri"]
    return []
