# Originals land here, PUT by browsers and the CLI through V4 signed URLs (or streamed by the
# upload function); each finalize event runs processUpload. Object keys are built by the server.
resource "google_storage_bucket" "uploads" {
  name                        = "${var.project_id}-${var.name_prefix}-uploads"
  location                    = upper(var.region)
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = false
  }

  soft_delete_policy {
    retention_duration_seconds = var.bucket_soft_delete_seconds
  }

  # The signed PUT from the web page: the browser sends exactly the headers the URL was signed
  # with, so those are the ones the preflight must allow.
  cors {
    origin          = local.cors_origins
    method          = ["PUT"]
    response_header = ["Content-Type", "x-goog-content-length-range", "x-goog-if-generation-match"]
    max_age_seconds = 3600
  }

  # The editor draws the original on a canvas to restore what a touch-up brings back; reading
  # a canvas's pixels needs the image fetched with CORS.
  cors {
    origin          = local.cors_origins
    method          = ["GET"]
    response_header = ["Content-Type"]
    max_age_seconds = 3600
  }

  # Abandoned uploads: XML API multipart uploads started and never completed are billed until
  # aborted. A signed PUT is a single request, so it never leaves a partial object behind.
  lifecycle_rule {
    condition {
      age = 1
    }
    action {
      type = "AbortIncompleteMultipartUpload"
    }
  }

  depends_on = [google_project_service.enabled]
}

# Cutouts and thumbnails (written by processUpload), renders, touch-up masks and backgrounds
# (written by edit). It has no trigger, so processing can never trigger itself.
resource "google_storage_bucket" "results" {
  name                        = "${var.project_id}-${var.name_prefix}-results"
  location                    = upper(var.region)
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = false
  }

  soft_delete_policy {
    retention_duration_seconds = var.bucket_soft_delete_seconds
  }

  # The editor reads the cutout and the mask into a canvas (touch-up), which needs CORS.
  cors {
    origin          = local.cors_origins
    method          = ["GET"]
    response_header = ["Content-Type"]
    max_age_seconds = 3600
  }

  lifecycle_rule {
    condition {
      age = 1
    }
    action {
      type = "AbortIncompleteMultipartUpload"
    }
  }

  depends_on = [google_project_service.enabled]
}

# The zipped functions artifact (npm run build → dist/functions) that Cloud Functions builds from.
resource "google_storage_bucket" "sources" {
  name                        = "${var.project_id}-${var.name_prefix}-sources"
  location                    = upper(var.region)
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = false
  }

  depends_on = [google_project_service.enabled]
}
