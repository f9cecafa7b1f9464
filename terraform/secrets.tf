# Secret values never pass through Terraform: after the first apply, add them with
# `gcloud secrets versions add` (docs/deploying.md). The one exception is the migrator's
# password, which Terraform generates.

# Only with remover = removebg: the self-hosted remover needs no key.
resource "google_secret_manager_secret" "remove_bg_api_key" {
  count = local.self_hosted ? 0 : 1

  secret_id = "remove-bg-api-key"

  replication {
    auto {}
  }

  depends_on = [google_project_service.enabled]
}

# The secret had no count before the remover choice: an existing one keeps its values.
moved {
  from = google_secret_manager_secret.remove_bg_api_key
  to   = google_secret_manager_secret.remove_bg_api_key[0]
}

resource "google_secret_manager_secret" "token_signing_key" {
  secret_id = "token-signing-key"

  replication {
    auto {}
  }

  depends_on = [google_project_service.enabled]
}

# Holds the key being retired during a rotation, so tokens it signed stay valid until they expire.
resource "google_secret_manager_secret" "token_signing_key_previous" {
  secret_id = "token-signing-key-previous"

  replication {
    auto {}
  }

  depends_on = [google_project_service.enabled]
}

resource "google_secret_manager_secret" "migrator_password" {
  secret_id = "db-migrator-password"

  replication {
    auto {}
  }

  depends_on = [google_project_service.enabled]
}

resource "google_secret_manager_secret_version" "migrator_password" {
  secret      = google_secret_manager_secret.migrator_password.id
  secret_data = random_password.migrator.result
}
