# Firebase on the project, and the Hosting site that serves hosting/dist and rewrites /api/<name>
# to the HTTP functions (firebase.json). Content is deployed by `firebase deploy --only hosting`.
resource "google_firebase_project" "main" {
  provider = google-beta
  project  = var.project_id

  depends_on = [google_project_service.enabled]
}

resource "google_firebase_hosting_site" "main" {
  provider = google-beta
  project  = google_firebase_project.main.project
  site_id  = local.site_id
}
