locals {
  repo_root = abspath("${path.module}/..")

  # One entry per directory under functions/; the directory name is also the entry point.
  function_names = toset(["ingress", "responder", "files", "indexer"])

  # The shared package, bundled at the root of every function's zip as assistant/ so that
  # `import assistant` works the same in the cloud as from the repository root locally.
  shared_files = {
    for f in fileset("${local.repo_root}/assistant", "**") :
    "assistant/${f}" => "${local.repo_root}/assistant/${f}"
    if !strcontains(f, "__pycache__") && !endswith(f, ".pyc")
  }

  # Zip path => file on disk: the function's own directory (main.py, requirements.txt, ...)
  # at the zip root, plus the shared package.
  function_files = {
    for name in local.function_names : name => merge(
      {
        for f in fileset("${local.repo_root}/functions/${name}", "**") :
        f => "${local.repo_root}/functions/${name}/${f}"
        if !strcontains(f, "__pycache__") && !endswith(f, ".pyc")
      },
      local.shared_files,
    )
  }

  # The executor's image source: its directory plus the only module of assistant/ it imports
  # (executor.tf). Tagged with the zip's content hash, so an unchanged executor is not rebuilt.
  executor_files = merge(
    {
      for f in fileset("${local.repo_root}/functions/executor", "**") :
      f => "${local.repo_root}/functions/executor/${f}"
      if !strcontains(f, "__pycache__") && !endswith(f, ".pyc")
    },
    {
      for f in ["__init__.py", "executor/__init__.py", "executor/protocol.py"] :
      "assistant/${f}" => "${local.repo_root}/assistant/${f}"
    },
  )
  # Where `gcloud builds submit` copies the executor's zip for its build (executor.tf): in the
  # source bucket, which the builder may read; storage.tf deletes the copies after a day.
  build_staging_prefix = "build-staging"
  executor_image       = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.executor.repository_id}/executor:${data.archive_file.executor.output_sha256}"

  # Known before anything is deployed (2nd gen functions get
  # https://REGION-PROJECT.cloudfunctions.net/NAME), so the Slack app can be created first;
  # the check in outputs.tf compares it with the deployed function's url.
  ingress_function_name = "${var.name_prefix}-ingress"
  slack_request_url     = "https://${var.region}-${var.project_id}.cloudfunctions.net/${local.ingress_function_name}"

  # The project id, for the data sources that must not be read before the APIs' wait. It is
  # unknown until that wait has run once (its id is its creation time), so on the first apply
  # they are read after it, and known on every later plan, so they are read at plan time.
  # depends_on would do the first part but not the second: Terraform postpones reading a data
  # source with depends_on whenever anything it depends on has a change planned (an API added
  # to apis.tf), the project number and the agents' addresses are then unknown in that plan,
  # and every grant to the Pub/Sub or Cloud Storage agent shows as replaced.
  project_id_after_apis = "${var.project_id}${substr(time_sleep.apis_enabled.id, 0, 0)}"

  # Pub/Sub's own service agent: it dead-letters messages and mints the push OIDC tokens
  # (created in apis.tf if it does not exist yet).
  pubsub_service_agent = "service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"

  # Where Cloud Functions stages each function's source for its build (iam.tf, builder_sources).
  gcf_sources_bucket = "gcf-v2-sources-${data.google_project.this.number}-${var.region}"

  # Push requests time out after the subscription's ack deadline (600 s is Pub/Sub's maximum);
  # the functions they call must finish sooner.
  push_ack_deadline_seconds = 600
  responder_timeout_seconds = 540
  files_timeout_seconds     = 300
  indexer_timeout_seconds   = 540

  firestore_location = coalesce(var.firestore_location, var.region)

  # Requests one instance serves at once (max_instance_request_concurrency, functions.tf), and
  # functions-framework's thread pool (THREADS, environment.tf): equal, because its default of
  # 4 threads per CPU would queue admitted requests until they pass Slack's 3 s or the push
  # deadline. tests/terraform checks that THREADS follows the concurrency.
  function_concurrency = {
    ingress   = 80
    responder = 8
    files     = 2
    indexer   = 2
  }
}
