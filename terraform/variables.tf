variable "project_id" {
  description = "The Google Cloud project to deploy into. Billing must be enabled on it."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "The project_id must be a project ID: 6 to 30 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "region" {
  description = "Region of the functions, buckets, Cloud SQL instance and Firestore database. It must equal the region of the function rewrites in firebase.json."
  type        = string
  default     = "europe-west1"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "The region must be a Google Cloud region such as europe-west1."
  }
}

variable "name_prefix" {
  description = "Prefix of the names Terraform gives service accounts, buckets and the Cloud SQL instance."
  type        = string
  default     = "cutout"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,10}[a-z0-9]$", var.name_prefix))
    error_message = "The name_prefix must be 3 to 12 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "site_id" {
  description = "Firebase Hosting site ID, the <site_id>.web.app address. Null means the project's default site, whose ID is the project ID."
  type        = string
  default     = null

  validation {
    condition     = var.site_id == null || can(regex("^[a-z0-9][a-z0-9-]{4,61}[a-z0-9]$", var.site_id))
    error_message = "The site_id must be 6 to 63 lowercase letters, digits or hyphens."
  }
}

variable "allowed_origins" {
  description = "Origins besides https://<site_id>.web.app and https://<site_id>.firebaseapp.com (custom domains) from which browsers may PUT to the uploads bucket."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for origin in var.allowed_origins : can(regex("^https://[a-z0-9.-]+(:[0-9]+)?$", origin))])
    error_message = "Each origin must be https://host or https://host:port, without a path or a trailing slash."
  }
}

variable "log_level" {
  description = "LOG_LEVEL of every function."
  type        = string
  default     = "info"

  validation {
    condition     = contains(["debug", "info", "warning", "error"], var.log_level)
    error_message = "The log_level must be debug, info, warning or error."
  }
}

variable "trusted_proxy_hops" {
  description = "TRUSTED_PROXY_HOPS of the login function: proxies in front of it that append to X-Forwarded-For (Firebase Hosting's CDN, then Google's front end). Check it against a real request after the first deploy."
  type        = number
  default     = 2

  validation {
    condition     = var.trusted_proxy_hops >= 0 && var.trusted_proxy_hops <= 10 && floor(var.trusted_proxy_hops) == var.trusted_proxy_hops
    error_message = "The trusted_proxy_hops must be an integer from 0 to 10."
  }
}

variable "upload_daily_quota" {
  description = "UPLOAD_DAILY_QUOTA of the upload function: uploads per user per day."
  type        = number
  default     = 100

  validation {
    condition     = var.upload_daily_quota >= 1 && var.upload_daily_quota <= 100000 && floor(var.upload_daily_quota) == var.upload_daily_quota
    error_message = "The upload_daily_quota must be an integer from 1 to 100000."
  }
}

variable "function_max_instances" {
  description = "max_instance_count of each function. Each instance holds up to its DB_POOL_SIZE connections (local.functions), and the sum must fit the Cloud SQL connection budget: a precondition on the instance checks it."
  type        = map(number)
  default = {
    register      = 10
    login         = 10
    upload        = 10
    images        = 10
    edit          = 5
    account       = 5
    archive       = 5
    delete        = 5
    processUpload = 20
  }

  validation {
    condition = (
      length(var.function_max_instances) == 9 &&
      alltrue([for name in ["register", "login", "upload", "images", "edit", "archive", "account", "delete", "processUpload"] : contains(keys(var.function_max_instances), name)]) &&
      alltrue([for count in values(var.function_max_instances) : count >= 1 && count <= 100])
    )
    error_message = "The function_max_instances must give each of register, login, upload, images, edit, archive, account, delete and processUpload a count from 1 to 100."
  }
}

variable "sql_edition" {
  description = "Cloud SQL edition. ENTERPRISE allows the small shared-core tiers; ENTERPRISE_PLUS needs a db-perf-optimized tier."
  type        = string
  default     = "ENTERPRISE"

  validation {
    condition     = contains(["ENTERPRISE", "ENTERPRISE_PLUS"], var.sql_edition)
    error_message = "The sql_edition must be ENTERPRISE or ENTERPRISE_PLUS."
  }
}

variable "sql_tier" {
  description = "Cloud SQL machine tier. db-g1-small (1.7 GB) suits a small service; db-f1-micro (0.6 GB) is cheaper and tight for MySQL 8.0."
  type        = string
  default     = "db-g1-small"

  validation {
    condition     = can(regex("^db-(f1-micro|g1-small|custom-[0-9]+-[0-9]+|n1-(standard|highmem)-[0-9]+|perf-optimized-N-[0-9]+)$", var.sql_tier))
    error_message = "The sql_tier must be a Cloud SQL for MySQL tier such as db-f1-micro, db-g1-small or db-custom-1-3840."
  }
}

variable "sql_availability_type" {
  description = "ZONAL (one zone) or REGIONAL (a standby in a second zone, twice the price)."
  type        = string
  default     = "ZONAL"

  validation {
    condition     = contains(["ZONAL", "REGIONAL"], var.sql_availability_type)
    error_message = "The sql_availability_type must be ZONAL or REGIONAL."
  }
}

variable "sql_max_connections" {
  description = "The instance's max_connections flag. Set explicitly so the connection budget does not depend on the tier's default."
  type        = number
  default     = 250

  validation {
    condition     = var.sql_max_connections >= 50 && var.sql_max_connections <= 4000
    error_message = "The sql_max_connections must be from 50 to 4000."
  }
}

variable "db_name" {
  description = "The MySQL database the functions use (DB_NAME)."
  type        = string
  default     = "cutout"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,63}$", var.db_name))
    error_message = "The db_name must be up to 64 lowercase letters, digits or underscores, starting with a letter."
  }
}

variable "deletion_protection" {
  description = "Protects the Cloud SQL instance from deletion, both in Terraform and in Google Cloud. Set false only to tear the deployment down."
  type        = bool
  default     = true
}

variable "firestore_location" {
  description = "Firestore location ID. Null means the region. It cannot change once the database exists."
  type        = string
  default     = null
}

variable "bucket_soft_delete_seconds" {
  description = "How long deleted originals and cutouts stay recoverable. 0 turns soft delete off, so a person's deleted photo is really gone; otherwise 7 to 90 days in seconds."
  type        = number
  default     = 0

  validation {
    condition     = var.bucket_soft_delete_seconds == 0 || (var.bucket_soft_delete_seconds >= 604800 && var.bucket_soft_delete_seconds <= 7776000)
    error_message = "The bucket_soft_delete_seconds must be 0 or from 604800 (7 days) to 7776000 (90 days)."
  }
}

variable "token_signing_key_version" {
  description = "Version of the token-signing-key secret the functions read: a version number (recommended: changing it redeploys) or latest."
  type        = string
  default     = "latest"

  validation {
    condition     = can(regex("^([0-9]+|latest)$", var.token_signing_key_version))
    error_message = "The token_signing_key_version must be a version number or latest."
  }
}

variable "token_signing_key_previous_version" {
  description = "Version of the token-signing-key-previous secret during a key rotation (TOKEN_SIGNING_KEY_PREVIOUS); null outside rotations."
  type        = string
  default     = null

  validation {
    condition     = var.token_signing_key_previous_version == null || can(regex("^([0-9]+|latest)$", var.token_signing_key_previous_version))
    error_message = "The token_signing_key_previous_version must be null, a version number or latest."
  }
}

variable "remove_bg_api_key_version" {
  description = "Version of the remove-bg-api-key secret processUpload reads with remover = removebg: a version number (recommended: changing it redeploys) or latest."
  type        = string
  default     = "latest"

  validation {
    condition     = can(regex("^([0-9]+|latest)$", var.remove_bg_api_key_version))
    error_message = "The remove_bg_api_key_version must be a version number or latest."
  }
}

variable "remover" {
  description = "What removes backgrounds: removebg (the remove.bg API, with its key in Secret Manager) or self-hosted (the remove.bg-compatible server and its U²-Netp model as a private Cloud Run service that only processUpload may invoke; no key, and no photo leaves the project)."
  type        = string
  default     = "removebg"

  validation {
    condition     = contains(["removebg", "self-hosted"], var.remover)
    error_message = "The remover must be removebg or self-hosted."
  }
}

variable "remover_image" {
  description = "With remover = self-hosted: the container image built from local/removebg/Dockerfile, as <region>-docker.pkg.dev/<project>/<name_prefix>-remover/remover:<tag> (Cloud Build sets it). Ignored with removebg."
  type        = string
  default     = null

  validation {
    condition     = var.remover_image == null || can(regex("^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+(:[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})$", var.remover_image))
    error_message = "The remover_image must be an image reference with a tag or a digest, such as europe-west1-docker.pkg.dev/my-project/cutout-remover/remover:1a2b3c."
  }
}

variable "build_service_account" {
  description = "Service account that builds the functions, as projects/<project>/serviceAccounts/<email>. Null uses the platform default (the Compute Engine default service account in new projects)."
  type        = string
  default     = null
}

variable "labels" {
  description = "Extra labels for every resource that takes labels."
  type        = map(string)
  default     = {}
}
