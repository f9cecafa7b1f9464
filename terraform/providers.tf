provider "google" {
  project        = var.project_id
  region         = var.region
  default_labels = local.labels
}

# Firebase resources live in google-beta. The Firebase management APIs need a quota project
# when Terraform runs with user credentials, hence the user project override.
provider "google-beta" {
  project               = var.project_id
  region                = var.region
  default_labels        = local.labels
  user_project_override = true
  billing_project       = var.project_id
}
