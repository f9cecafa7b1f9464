# The functions artifact: run `npm run build` first, which writes dist/functions (index.js and a
# package.json naming only the runtime dependencies). The object name carries the zip's hash, so
# a changed build means a new object and a redeploy, and an unchanged one means neither.
data "archive_file" "functions" {
  type        = "zip"
  source_dir  = "${path.module}/../dist/functions"
  output_path = "${path.module}/../dist/functions.zip"
}

resource "google_storage_bucket_object" "functions" {
  name   = "functions/${data.archive_file.functions.output_md5}.zip"
  bucket = google_storage_bucket.sources.name
  source = data.archive_file.functions.output_path
}

# register, login, upload, images, edit, archive, account and delete: reached through the Firebase Hosting rewrites
# /api/<name>, so their ingress is open and their Cloud Run services public (iam.tf).
resource "google_cloudfunctions2_function" "http" {
  for_each = { for name, fn in local.functions : name => fn if fn.trigger == "http" }

  name        = each.key
  location    = var.region
  description = "Cutout ${each.key}, served at /api/${each.key} through Firebase Hosting."

  build_config {
    runtime         = "nodejs20"
    entry_point     = each.key
    service_account = var.build_service_account

    source {
      storage_source {
        bucket = google_storage_bucket.sources.name
        object = google_storage_bucket_object.functions.name
      }
    }
  }

  service_config {
    service_account_email            = google_service_account.function[each.key].email
    available_memory                 = each.value.memory
    available_cpu                    = each.value.cpu
    timeout_seconds                  = each.value.timeout_seconds
    min_instance_count               = 0
    max_instance_count               = var.function_max_instances[each.key]
    max_instance_request_concurrency = each.value.concurrency
    ingress_settings                 = "ALLOW_ALL"
    all_traffic_on_latest_revision   = true
    environment_variables            = local.function_env[each.key]

    dynamic "secret_environment_variables" {
      for_each = local.function_secret_env[each.key]

      content {
        key        = secret_environment_variables.key
        project_id = var.project_id
        secret     = secret_environment_variables.value.secret
        version    = secret_environment_variables.value.version
      }
    }
  }

  # A revision starts only if its account can already reach its secrets and the database.
  depends_on = [
    google_project_iam_member.sql_client,
    google_project_iam_member.sql_instance_user,
    google_project_iam_member.datastore_user,
    google_secret_manager_secret_iam_member.token_signing_key,
    google_secret_manager_secret_iam_member.token_signing_key_previous,
    google_storage_bucket_iam_member.upload_writes_uploads,
    google_storage_bucket_iam_member.images_reads_uploads,
    google_storage_bucket_iam_member.images_reads_results,
    google_storage_bucket_iam_member.delete_deletes_uploads,
    google_storage_bucket_iam_member.delete_deletes_results,
    google_service_account_iam_member.signs_as_itself,
  ]
}

# processUpload: runs once per finalized object in the uploads bucket. Internal ingress only;
# failures are retried by the trigger (the function is idempotent, see the job ledger).
resource "google_cloudfunctions2_function" "process_upload" {
  name        = "processUpload"
  location    = var.region
  description = "Cutout processUpload: removes the background of each new original in the uploads bucket."

  build_config {
    runtime         = "nodejs20"
    entry_point     = "processUpload"
    service_account = var.build_service_account

    source {
      storage_source {
        bucket = google_storage_bucket.sources.name
        object = google_storage_bucket_object.functions.name
      }
    }
  }

  service_config {
    service_account_email            = google_service_account.function["processUpload"].email
    available_memory                 = local.functions.processUpload.memory
    available_cpu                    = local.functions.processUpload.cpu
    timeout_seconds                  = local.functions.processUpload.timeout_seconds
    min_instance_count               = 0
    max_instance_count               = var.function_max_instances["processUpload"]
    max_instance_request_concurrency = local.functions.processUpload.concurrency
    ingress_settings                 = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision   = true
    environment_variables            = merge(local.function_env["processUpload"], local.remover_env)

    dynamic "secret_environment_variables" {
      for_each = local.function_secret_env["processUpload"]

      content {
        key        = secret_environment_variables.key
        project_id = var.project_id
        secret     = secret_environment_variables.value.secret
        version    = secret_environment_variables.value.version
      }
    }
  }

  event_trigger {
    trigger_region        = var.region
    event_type            = "google.cloud.storage.object.v1.finalized"
    retry_policy          = "RETRY_POLICY_RETRY"
    service_account_email = google_service_account.events.email

    event_filters {
      attribute = "bucket"
      value     = google_storage_bucket.uploads.name
    }
  }

  lifecycle {
    precondition {
      condition     = tonumber(local.functions.processUpload.env.PROCESSING_LEASE_SECONDS) > local.functions.processUpload.timeout_seconds
      error_message = "PROCESSING_LEASE_SECONDS must outlast processUpload's timeout, or a retried event could claim an image still being processed."
    }
  }

  depends_on = [
    google_project_iam_member.sql_client,
    google_project_iam_member.sql_instance_user,
    google_project_iam_member.datastore_user,
    google_project_iam_member.events_receiver,
    google_project_iam_member.storage_agent_publisher,
    google_secret_manager_secret_iam_member.remove_bg_api_key,
    google_cloud_run_v2_service_iam_member.process_upload_invokes_remover,
    google_storage_bucket_iam_member.process_reads_uploads,
    google_storage_bucket_iam_member.process_writes_results,
    google_service_account_iam_member.signs_as_itself,
  ]
}
