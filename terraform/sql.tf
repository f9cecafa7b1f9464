# The durable catalogue (users, images). Reachable only through the Cloud SQL connectors: a public
# IP with no authorized networks, client certificates required (the connectors' ephemeral ones)
# and the connector enforced. The functions sign in as IAM database users; the built-in migrator
# user exists for `npm run migrate`, which also grants those IAM users their privileges.
resource "google_sql_database_instance" "main" {
  name                = "${var.name_prefix}-mysql"
  database_version    = "MYSQL_8_0"
  region              = var.region
  deletion_protection = var.deletion_protection

  settings {
    edition                     = var.sql_edition
    tier                        = var.sql_tier
    availability_type           = var.sql_availability_type
    disk_type                   = "PD_SSD"
    disk_autoresize             = true
    disk_autoresize_limit       = 100
    deletion_protection_enabled = var.deletion_protection
    connector_enforcement       = "REQUIRED"
    user_labels                 = local.labels

    ip_configuration {
      ipv4_enabled = true
      ssl_mode     = "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"
    }

    # Daily backups kept two weeks, and the binary log for point-in-time recovery.
    backup_configuration {
      enabled                        = true
      binary_log_enabled             = true
      start_time                     = "02:00"
      transaction_log_retention_days = 7

      backup_retention_settings {
        retained_backups = 14
        retention_unit   = "COUNT"
      }
    }

    # Sundays 03:00 UTC, after the backup.
    maintenance_window {
      day          = 7
      hour         = 3
      update_track = "stable"
    }

    database_flags {
      name  = "cloudsql_iam_authentication"
      value = "on"
    }

    database_flags {
      name  = "max_connections"
      value = tostring(var.sql_max_connections)
    }
  }

  lifecycle {
    precondition {
      condition     = local.sql_connections_needed <= local.sql_connection_budget
      error_message = "The functions may open more Cloud SQL connections (max instances x DB_POOL_SIZE, summed) than max_connections minus the reserve allows: lower function_max_instances or raise sql_max_connections."
    }

    precondition {
      condition     = (var.sql_edition == "ENTERPRISE_PLUS") == startswith(var.sql_tier, "db-perf-optimized-")
      error_message = "ENTERPRISE_PLUS needs a db-perf-optimized tier, and ENTERPRISE cannot use one."
    }
  }

  depends_on = [google_project_service.enabled]
}

resource "google_sql_database" "cutout" {
  name            = var.db_name
  instance        = google_sql_database_instance.main.name
  charset         = "utf8mb4"
  collation       = "utf8mb4_bin"
  deletion_policy = "ABANDON"
}

# One IAM database user per function service account. MySQL names a service account's user by
# its email without ".gserviceaccount.com" (the functions' DB_IAM_USER). The users start with no
# privileges: the migration step grants them (DB_GRANT_USERS).
resource "google_sql_user" "iam" {
  for_each = google_service_account.function

  name     = trimsuffix(each.value.email, ".gserviceaccount.com")
  instance = google_sql_database_instance.main.name
  type     = "CLOUD_IAM_SERVICE_ACCOUNT"
}

resource "random_password" "migrator" {
  length  = 40
  special = false
}

# The built-in user the migration step connects as. Its password is generated here and kept in
# Secret Manager (db-migrator-password), where Cloud Build reads it.
resource "google_sql_user" "migrator" {
  name     = "migrator"
  instance = google_sql_database_instance.main.name
  password = random_password.migrator.result
}
