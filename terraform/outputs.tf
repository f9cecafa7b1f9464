output "site_url" {
  description = "The web page, served by Firebase Hosting."
  value       = google_firebase_hosting_site.main.default_url
}

output "hosting_site_id" {
  description = "The Hosting site `firebase deploy --only hosting` publishes to."
  value       = google_firebase_hosting_site.main.site_id
}

output "function_urls" {
  description = "Direct URLs of the HTTP functions. The page calls them through the site's /api/<name> rewrites instead."
  value       = { for name, fn in google_cloudfunctions2_function.http : name => fn.service_config[0].uri }
}

output "uploads_bucket" {
  description = "Bucket of the originals (UPLOADS_BUCKET); its finalize events run processUpload."
  value       = google_storage_bucket.uploads.name
}

output "results_bucket" {
  description = "Bucket of the cutouts and thumbnails (RESULTS_BUCKET)."
  value       = google_storage_bucket.results.name
}

output "sources_bucket" {
  description = "Bucket of the zipped functions artifacts."
  value       = google_storage_bucket.sources.name
}

output "sql_instance_connection_name" {
  description = "Cloud SQL connection name project:region:instance (CLOUD_SQL_INSTANCE)."
  value       = google_sql_database_instance.main.connection_name
}

output "db_name" {
  description = "The MySQL database (DB_NAME)."
  value       = google_sql_database.cutout.name
}

output "db_grant_users" {
  description = "The functions' IAM database users, comma-separated: DB_GRANT_USERS for `npm run migrate`."
  value       = join(",", [for user in google_sql_user.iam : user.name])
}

output "db_migrator_user" {
  description = "The built-in user `npm run migrate` connects as (DB_USER)."
  value       = google_sql_user.migrator.name
}

output "db_migrator_password_secret" {
  description = "Secret Manager secret holding the migrator's password (DB_PASSWORD)."
  value       = google_secret_manager_secret.migrator_password.secret_id
}

output "function_service_accounts" {
  description = "Each function's service account."
  value       = { for name, account in google_service_account.function : name => account.email }
}

output "upload_cors_origins" {
  description = "Origins allowed to PUT to the uploads bucket."
  value       = local.cors_origins
}

output "remover_url" {
  description = "With remover = self-hosted: the private remover's URL (processUpload's REMOVE_BG_URL and its ID tokens' audience); null with removebg."
  value       = one(google_cloud_run_v2_service.remover[*].uri)
}

output "remover_repository" {
  description = "The Artifact Registry repository for the self-hosted remover's images: push <this>/remover:<tag>."
  value       = "${google_artifact_registry_repository.remover.location}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.remover.repository_id}"
}
