# One service account per function, each granted only what its code uses. Storage roles are
# bucket-scoped, secret access is per secret, and signing rights are on the account itself.
# Project-wide grants are only those Google offers no narrower scope for.

resource "google_service_account" "function" {
  for_each = local.functions

  account_id   = "${var.name_prefix}-${lower(each.key)}"
  display_name = "Cutout ${each.key} function"
  description  = "Runs the ${each.key} function and nothing else."

  depends_on = [google_project_service.enabled]
}

# The identity Eventarc uses to deliver uploads-bucket events to processUpload.
resource "google_service_account" "events" {
  account_id   = "${var.name_prefix}-events"
  display_name = "Cutout upload events"
  description  = "Delivers finalize events from the uploads bucket to processUpload."

  depends_on = [google_project_service.enabled]
}

# Cloud SQL: every function reads or writes MySQL through the connector (cloudsql.client) as its
# IAM database user (cloudsql.instanceUser).
resource "google_project_iam_member" "sql_client" {
  for_each = google_service_account.function

  project = var.project_id
  role    = "roles/cloudsql.client"
  member  = "serviceAccount:${each.value.email}"
}

resource "google_project_iam_member" "sql_instance_user" {
  for_each = google_service_account.function

  project = var.project_id
  role    = "roles/cloudsql.instanceUser"
  member  = "serviceAccount:${each.value.email}"
}

# Firestore: login and account (sign-in throttling), upload (daily quota, reopening a job for a
# retry), images (giving an abandoned upload's quota back), delete and account (forget jobs) and
# processUpload (the job ledger). register, edit and archive never touch it.
resource "google_project_iam_member" "datastore_user" {
  for_each = toset(["login", "account", "upload", "images", "delete", "processUpload"])

  project = var.project_id
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.function[each.key].email}"
}

# Eventarc: the trigger's identity receives events; the Cloud Storage service agent publishes
# them to the trigger's Pub/Sub topic.
resource "google_project_iam_member" "events_receiver" {
  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = "serviceAccount:${google_service_account.events.email}"
}

data "google_storage_project_service_account" "gcs" {
  depends_on = [google_project_service.enabled]
}

resource "google_project_iam_member" "storage_agent_publisher" {
  project = var.project_id
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
}

# Buckets. objectUser where the code deletes: upload removes a half-streamed original when a
# multipart upload fails, delete removes originals and cutouts, processUpload removes outputs it
# could not finish. objectViewer where the code reads or signs GET URLs (a signed URL carries the
# signer's permissions).
resource "google_storage_bucket_iam_member" "upload_writes_uploads" {
  bucket = google_storage_bucket.uploads.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.function["upload"].email}"
}

resource "google_storage_bucket_iam_member" "images_reads_uploads" {
  bucket = google_storage_bucket.uploads.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.function["images"].email}"
}

resource "google_storage_bucket_iam_member" "images_reads_results" {
  bucket = google_storage_bucket.results.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.function["images"].email}"
}

# edit reads the original (a blurred background, what a touch-up restores) and reads, writes and
# deletes its renders, masks and backgrounds beside the cutout.
resource "google_storage_bucket_iam_member" "edit_reads_uploads" {
  bucket = google_storage_bucket.uploads.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.function["edit"].email}"
}

resource "google_storage_bucket_iam_member" "edit_writes_results" {
  bucket = google_storage_bucket.results.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.function["edit"].email}"
}

# archive reads originals (a blurred background) and stores the renders it makes.
resource "google_storage_bucket_iam_member" "archive_reads_uploads" {
  bucket = google_storage_bucket.uploads.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.function["archive"].email}"
}

resource "google_storage_bucket_iam_member" "archive_writes_results" {
  bucket = google_storage_bucket.results.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.function["archive"].email}"
}

# account deletes everything a user has in both buckets when the account is deleted.
resource "google_storage_bucket_iam_member" "account_deletes_uploads" {
  bucket = google_storage_bucket.uploads.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.function["account"].email}"
}

resource "google_storage_bucket_iam_member" "account_deletes_results" {
  bucket = google_storage_bucket.results.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.function["account"].email}"
}

resource "google_storage_bucket_iam_member" "delete_deletes_uploads" {
  bucket = google_storage_bucket.uploads.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.function["delete"].email}"
}

resource "google_storage_bucket_iam_member" "delete_deletes_results" {
  bucket = google_storage_bucket.results.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.function["delete"].email}"
}

resource "google_storage_bucket_iam_member" "process_reads_uploads" {
  bucket = google_storage_bucket.uploads.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.function["processUpload"].email}"
}

resource "google_storage_bucket_iam_member" "process_writes_results" {
  bucket = google_storage_bucket.results.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.function["processUpload"].email}"
}

# V4 signed URLs without a key file: the function signs through IAM signBlob as itself. upload
# signs PUTs, images and edit sign GETs, processUpload signs the GET remove.bg fetches the original with
# (the self-hosted remover is sent the bytes instead, so then processUpload signs nothing).
resource "google_service_account_iam_member" "signs_as_itself" {
  for_each = local.self_hosted ? toset(["upload", "images", "edit"]) : toset(["upload", "images", "edit", "processUpload"])

  service_account_id = google_service_account.function[each.key].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_service_account.function[each.key].email}"
}

# Secrets, each readable only by the functions that use it.
resource "google_secret_manager_secret_iam_member" "token_signing_key" {
  for_each = toset(["register", "login", "upload", "images", "edit", "archive", "account", "delete"])

  project   = google_secret_manager_secret.token_signing_key.project
  secret_id = google_secret_manager_secret.token_signing_key.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.function[each.key].email}"
}

resource "google_secret_manager_secret_iam_member" "token_signing_key_previous" {
  for_each = toset(["register", "login", "upload", "images", "edit", "archive", "account", "delete"])

  project   = google_secret_manager_secret.token_signing_key_previous.project
  secret_id = google_secret_manager_secret.token_signing_key_previous.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.function[each.key].email}"
}

resource "google_secret_manager_secret_iam_member" "remove_bg_api_key" {
  for_each = local.self_hosted ? toset([]) : toset(["processUpload"])

  project   = google_secret_manager_secret.remove_bg_api_key[0].project
  secret_id = google_secret_manager_secret.remove_bg_api_key[0].secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.function[each.key].email}"
}

# Firebase Hosting's rewrites call the HTTP functions without credentials, so their Cloud Run
# services admit everyone. This is the only public binding in the deployment; each function
# authenticates its own callers (bearer tokens).
resource "google_cloud_run_service_iam_member" "public_http" {
  for_each = google_cloudfunctions2_function.http

  project  = var.project_id
  location = each.value.location
  service  = each.value.service_config[0].service
  role     = "roles/run.invoker"
  member   = "allUsers"
}

# Only the trigger's identity may invoke processUpload.
resource "google_cloud_run_service_iam_member" "events_invoke_process_upload" {
  project  = var.project_id
  location = google_cloudfunctions2_function.process_upload.location
  service  = google_cloudfunctions2_function.process_upload.service_config[0].service
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.events.email}"
}
