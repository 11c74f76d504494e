"""Ways to break the executor's deployment on purpose (terraform/executor.tf), one or more per
executor check; each entry is (check name, mutation of a parsed copy, text it must report)."""

from __future__ import annotations

from tests.terraform.hcl_model import Model, first
from tests.terraform.wiring import environment, functions

__all__ = ["EXECUTOR_MUTATIONS"]

_RUN = "google_cloud_run_v2_service"
_IAM = "google_cloud_run_v2_service_iam_member"


def _template(m: Model) -> dict:
    return first(m.resources[_RUN]["executor"], "template")


def _set_template(attribute: str, value: object):
    def mutate(m: Model) -> None:
        _template(m)[attribute] = value

    return mutate


def _default_identity(m: Model) -> None:
    del _template(m)["service_account"]


def _grant_the_executor_storage(m: Model) -> None:
    m.resources["google_storage_bucket_iam_member"]["executor_reader"] = {
        "bucket": "${google_storage_bucket.files.id}",
        "role": "roles/storage.objectViewer",
        "member": "serviceAccount:${google_service_account.executor.email}",
    }


def _public_executor(m: Model) -> None:
    m.resources[_IAM]["executor_invoker"]["member"] = "allUsers"


def _files_may_invoke(m: Model) -> None:
    m.resources[_IAM]["executor_files"] = {
        **m.resources[_IAM]["executor_invoker"],
        "member": "serviceAccount:${google_service_account.files.email}",
    }


def _no_invoker(m: Model) -> None:
    del m.resources[_IAM]["executor_invoker"]


def _uncapped(m: Model) -> None:
    first(_template(m), "scaling").pop("max_instance_count")


def _unvalidated_cap(m: Model) -> None:
    m.variables["executor_max_instances"].pop("validation")


def _with_a_secret(m: Model) -> None:
    first(_template(m), "containers")["env"] = [
        {"name": "OPENAI_API_KEY", "value": "${var.openai_api_key}"}
    ]


def _private_ranges_only(m: Model) -> None:
    first(_template(m), "vpc_access")["egress"] = "PRIVATE_RANGES_ONLY"


def _google_access(m: Model) -> None:
    m.resources["google_compute_subnetwork"]["executor"]["private_ip_google_access"] = True


def _with_nat(m: Model) -> None:
    m.resources["google_compute_router"] = {
        "executor": {"name": "r", "network": "${google_compute_network.executor.id}"}
    }
    m.resources["google_compute_router_nat"] = {
        "executor": {"router": "${google_compute_router.executor.name}"}
    }


def _firewall_allows_https(m: Model) -> None:
    rule = m.resources["google_compute_firewall"]["executor_deny_egress"]
    rule["deny"] = [{"protocol": "udp"}]


def _no_firewall(m: Model) -> None:
    del m.resources["google_compute_firewall"]["executor_deny_egress"]


def _image_by_latest(m: Model) -> None:
    first(_template(m), "containers")["image"] = "${var.region}-docker.pkg.dev/x/y/executor:latest"


def _no_build_wait(m: Model) -> None:
    m.resources[_RUN]["executor"]["depends_on"] = []


def _build_as_default_account(m: Model) -> None:
    for provisioner in m.resources["terraform_data"]["executor_image"]["provisioner"]:
        local_exec = provisioner["local-exec"]
        local_exec["command"] = local_exec["command"].replace('--service-account="$BUILDER"', "")
        local_exec["environment"].pop("BUILDER")


def _executor_url_by_hand(m: Model) -> None:
    env = environment(m, first(functions(m)["responder"][1], "service_config"))
    env["EXECUTOR_URL"] = "https://executor.example.com"


EXECUTOR_MUTATIONS = [
    ("executor identity", _default_identity, "runs as the default service account"),
    ("executor identity", _grant_the_executor_storage, "executor's account holds"),
    ("grants", _grant_the_executor_storage, "sa:executor has roles/storage.objectViewer"),
    ("executor invokers", _public_executor, "allUsers holds roles/run.invoker"),
    ("executor invokers", _files_may_invoke, "sa:files holds roles/run.invoker"),
    ("executor invokers", _no_invoker, "nobody may invoke the executor"),
    ("executor isolation", _set_template("max_instance_request_concurrency", 80), "concurrency 1"),
    (
        "executor isolation",
        _set_template("execution_environment", "EXECUTION_ENVIRONMENT_GEN1"),
        "gen2",
    ),
    ("executor isolation", _uncapped, "instances are not capped"),
    ("executor isolation", _unvalidated_cap, "variable without a validation"),
    ("executor isolation", _with_a_secret, "gets environment or volumes"),
    ("executor no egress", _private_ranges_only, "egress must be ALL_TRAFFIC"),
    ("executor no egress", _google_access, "Private Google Access"),
    ("executor no egress", _with_nat, "Cloud NAT would give a route out"),
    ("executor no egress", _firewall_allows_https, "no firewall rule denies all egress"),
    ("executor no egress", _no_firewall, "no firewall rule denies all egress"),
    ("executor build", _image_by_latest, "not tagged with its source's content hash"),
    ("executor build", _no_build_wait, "without waiting for its image"),
    ("executor build", _build_as_default_account, "not run as the builder service account"),
    ("executor wiring", _executor_url_by_hand, "not the executor's uri"),
]
