# remover = "self-hosted": the remove.bg-compatible server (local/removebg/main.ts) and its
# U²-Netp model as a private Cloud Run service. processUpload calls it with the same client code
# it uses for remove.bg, authenticated by an ID token instead of an API key, and sends it the
# photo's bytes: no photo leaves the project, and there is no remove.bg key to keep.
#
# Ingress is all traffic, and IAM is what keeps it private. processUpload has no VPC egress, so
# its requests reach the run.app URL the way any outside caller's do; internal-only ingress would
# refuse them unless processUpload routed through a VPC (Direct VPC egress or a connector, with a
# subnet and Private Google Access to keep up). Here Cloud Run itself rejects, before the
# container, every request without an ID token of an account holding run.invoker on the service,
# and only processUpload's account holds it. No allUsers binding exists for it.

# Where Cloud Build pushes the remover's image (cloudbuild.yaml, remover-image and remover-push).
# It exists whatever the remover, so the build that switches to self-hosted can push before the
# apply that deploys the image; empty, it costs nothing. Only the newest images are kept.
resource "google_artifact_registry_repository" "remover" {
  location      = var.region
  repository_id = "${var.name_prefix}-remover"
  format        = "DOCKER"
  description   = "Images of the self-hosted remover (local/removebg/Dockerfile)."

  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"

    most_recent_versions {
      keep_count = 5
    }
  }

  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"

    condition {
      tag_state  = "ANY"
      older_than = "2592000s"
    }
  }

  depends_on = [google_project_service.enabled]
}

# The remover's own identity, with no roles: it reads the bytes it is sent and answers.
resource "google_service_account" "remover" {
  count = local.self_hosted ? 1 : 0

  account_id   = "${var.name_prefix}-remover"
  display_name = "Cutout remover"
  description  = "Runs the self-hosted remover. It holds no roles: photos arrive in the request."

  depends_on = [google_project_service.enabled]
}

# One photo per instance at a time: the model's runs are queued one at a time anyway and take
# both vCPUs, and one image at a time keeps memory predictable (up to 50 MP uploads; see
# docs/deploying.md for the sizing). As many instances as processUpload may run, so no event
# waits for a remover. CPU only while a request is served (cpu_idle), and none kept warm.
resource "google_cloud_run_v2_service" "remover" {
  count = local.self_hosted ? 1 : 0

  name        = "${var.name_prefix}-remover"
  location    = var.region
  description = "Cutout's self-hosted remover: the remove.bg-compatible API on U²-Netp, invoked only by processUpload."
  ingress     = "INGRESS_TRAFFIC_ALL"
  # Stateless: switching back to removebg may simply delete it.
  deletion_protection = false

  template {
    service_account                  = google_service_account.remover[0].email
    max_instance_request_concurrency = 1
    timeout                          = "60s"

    scaling {
      min_instance_count = 0
      max_instance_count = var.function_max_instances["processUpload"]
    }

    containers {
      image = var.remover_image

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = "2"
          memory = "4Gi"
        }
        cpu_idle          = true
        startup_cpu_boost = true
      }
    }
  }

  lifecycle {
    precondition {
      condition     = var.remover_image != null
      error_message = "remover = self-hosted needs remover_image: the image built from local/removebg/Dockerfile (Cloud Build sets it; see docs/deploying.md)."
    }
  }

  depends_on = [google_project_service.enabled]
}

# Only processUpload may invoke the remover.
resource "google_cloud_run_v2_service_iam_member" "process_upload_invokes_remover" {
  count = local.self_hosted ? 1 : 0

  project  = var.project_id
  location = google_cloud_run_v2_service.remover[0].location
  name     = google_cloud_run_v2_service.remover[0].name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.function["processUpload"].email}"
}
