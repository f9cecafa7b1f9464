# State lives in a Cloud Storage bucket that exists before the first `terraform init` (see
# docs/deploying.md). The configuration is partial on purpose, so no project is named here:
#
#   terraform init \
#     -backend-config="bucket=<project-id>-tfstate" \
#     -backend-config="prefix=cutout"
#
# The state holds the generated migrator password: only deployers may read that bucket.
terraform {
  backend "gcs" {}
}
