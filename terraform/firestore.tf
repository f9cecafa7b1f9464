# Hot, short-lived state: the job ledger (jobs, jobs/*/claims) and sign-in and upload counters
# (rateLimits). Every document carries expireAt; TTL policies delete documents once it passes.
resource "google_firestore_database" "main" {
  name                        = "(default)"
  location_id                 = coalesce(var.firestore_location, var.region)
  type                        = "FIRESTORE_NATIVE"
  app_engine_integration_mode = "DISABLED"
  delete_protection_state     = "DELETE_PROTECTION_ENABLED"
  deletion_policy             = "ABANDON"

  depends_on = [google_project_service.enabled]
}

# TTL fields are never queried, so their single-field indexes are switched off (empty
# index_config): an index on an ever-increasing timestamp only costs writes.
resource "google_firestore_field" "rate_limits_expire_at" {
  database   = google_firestore_database.main.name
  collection = "rateLimits"
  field      = "expireAt"

  ttl_config {}
  index_config {}
}

resource "google_firestore_field" "jobs_expire_at" {
  database   = google_firestore_database.main.name
  collection = "jobs"
  field      = "expireAt"

  ttl_config {}
  index_config {}

  depends_on = [google_firestore_field.rate_limits_expire_at]
}

# claims is a subcollection of jobs; field settings apply to the collection group.
resource "google_firestore_field" "claims_expire_at" {
  database   = google_firestore_database.main.name
  collection = "claims"
  field      = "expireAt"

  ttl_config {}
  index_config {}

  depends_on = [google_firestore_field.jobs_expire_at]
}
