locals {
  site_id = coalesce(var.site_id, var.project_id)

  # remover = "self-hosted": our remove.bg-compatible server on Cloud Run (remover.tf) instead of
  # remove.bg, so there is no remove.bg key to keep.
  self_hosted = var.remover == "self-hosted"

  labels = merge({
    app        = "cutout"
    managed-by = "terraform"
  }, var.labels)

  # The browser PUTs originals straight to the uploads bucket from the site's origins.
  cors_origins = distinct(concat([
    "https://${local.site_id}.web.app",
    "https://${local.site_id}.firebaseapp.com",
  ], var.allowed_origins))

  # One entry per function registered in functions/src/index.ts. The key is the function's name,
  # its entry point and, for HTTP functions, the functionId of its firebase.json rewrite.
  # secrets are environment variables read from Secret Manager (see secret_env); env holds the
  # settings only that function reads, on top of base_env. Every function uses Cloud SQL, and
  # each of its instances keeps up to db_pool_size connections open.
  functions = {
    register = {
      trigger         = "http"
      memory          = "512Mi"
      cpu             = "1"
      timeout_seconds = 30
      concurrency     = 1
      db_pool_size    = 2
      secrets         = ["TOKEN_SIGNING_KEY", "TOKEN_SIGNING_KEY_PREVIOUS"]
      env             = {}
    }
    login = {
      trigger         = "http"
      memory          = "512Mi"
      cpu             = "1"
      timeout_seconds = 30
      concurrency     = 1
      db_pool_size    = 2
      secrets         = ["TOKEN_SIGNING_KEY", "TOKEN_SIGNING_KEY_PREVIOUS"]
      env = {
        TRUSTED_PROXY_HOPS = tostring(var.trusted_proxy_hops)
      }
    }
    upload = {
      trigger         = "http"
      memory          = "512Mi"
      cpu             = "1"
      timeout_seconds = 120
      concurrency     = 20
      db_pool_size    = 4
      secrets         = ["TOKEN_SIGNING_KEY", "TOKEN_SIGNING_KEY_PREVIOUS"]
      env = {
        UPLOAD_DAILY_QUOTA = tostring(var.upload_daily_quota)
      }
    }
    images = {
      trigger         = "http"
      memory          = "512Mi"
      cpu             = "1"
      timeout_seconds = 30
      concurrency     = 40
      db_pool_size    = 4
      secrets         = ["TOKEN_SIGNING_KEY", "TOKEN_SIGNING_KEY_PREVIOUS"]
      env             = {}
    }
    edit = {
      trigger         = "http"
      memory          = "2Gi"
      cpu             = "1"
      timeout_seconds = 60
      concurrency     = 2
      db_pool_size    = 2
      secrets         = ["TOKEN_SIGNING_KEY", "TOKEN_SIGNING_KEY_PREVIOUS"]
      env             = {}
    }
    archive = {
      trigger         = "http"
      memory          = "2Gi"
      cpu             = "1"
      timeout_seconds = 300
      concurrency     = 2
      db_pool_size    = 2
      secrets         = ["TOKEN_SIGNING_KEY", "TOKEN_SIGNING_KEY_PREVIOUS"]
      env             = {}
    }
    account = {
      trigger         = "http"
      memory          = "512Mi"
      cpu             = "1"
      timeout_seconds = 120
      concurrency     = 2
      db_pool_size    = 2
      secrets         = ["TOKEN_SIGNING_KEY", "TOKEN_SIGNING_KEY_PREVIOUS"]
      env             = {}
    }
    delete = {
      trigger         = "http"
      memory          = "512Mi"
      cpu             = "1"
      timeout_seconds = 30
      concurrency     = 20
      db_pool_size    = 2
      secrets         = ["TOKEN_SIGNING_KEY", "TOKEN_SIGNING_KEY_PREVIOUS"]
      env             = {}
    }
    processUpload = {
      trigger         = "storage"
      memory          = "1Gi"
      cpu             = "1"
      timeout_seconds = 300
      concurrency     = 1
      db_pool_size    = 2
      secrets         = ["REMOVE_BG_API_KEY"]
      env = {
        PROCESSING_LEASE_SECONDS = "600"
      }
    }
  }

  # register and login are bcrypt-bound: one request per instance, a whole CPU each. The others
  # mostly wait on Cloud SQL, Firestore and Cloud Storage and share an instance. processUpload
  # decodes whole images with sharp (22 MB uploads, up to 25 megapixels out of remove.bg), so it
  # gets 1 GiB and one event at a time. Its worst case is 3 remove.bg attempts of 60 s plus two
  # Retry-After waits of at most 20 s: 220 s, inside its 300 s timeout. Its job lease (600 s)
  # outlives the timeout, so a redelivered event never claims an image still being processed.
  # edit renders whole cutouts (a 50-megapixel one holds about 1 GiB of pixels while it is laid
  # over its background and encoded): 2 GiB and two requests at a time; a repeated render is a
  # signed URL and costs next to nothing. account checks and hashes passwords (bcrypt, a whole
  # CPU each) and deletes whole accounts: two requests at a time, two minutes each. archive
  # streams ZIPs of up to 100 images, rendering those whose edits have no render yet: edit's
  # memory, five minutes.

  # Cloud SQL connections, with the default max instances:
  #   register       10 x 2 =  20
  #   login          10 x 2 =  20
  #   upload         10 x 4 =  40
  #   images         10 x 4 =  40
  #   edit            5 x 2 =  10
  #   archive         5 x 2 =  10
  #   account         5 x 2 =  10
  #   delete          5 x 2 =  10
  #   processUpload  20 x 2 =  40
  #   total                   200  <=  250 (max_connections) - 20 (reserved) = 230
  # The reserve is for the migrator (npm run migrate), an operator's session and Cloud SQL itself.
  sql_reserved_connections = 20
  sql_connection_budget    = var.sql_max_connections - local.sql_reserved_connections
  sql_connections_needed   = sum([for name, fn in local.functions : var.function_max_instances[name] * fn.db_pool_size])

  # What every function's configuration needs in production (functions/src/config.ts).
  base_env = {
    NODE_ENV             = "production"
    GOOGLE_CLOUD_PROJECT = var.project_id
    LOG_LEVEL            = var.log_level
    CLOUD_SQL_INSTANCE   = google_sql_database_instance.main.connection_name
    DB_NAME              = google_sql_database.cutout.name
    UPLOADS_BUCKET       = google_storage_bucket.uploads.name
    RESULTS_BUCKET       = google_storage_bucket.results.name
  }

  # Each function signs in to MySQL as its own IAM database user.
  function_env = {
    for name, fn in local.functions : name => merge(local.base_env, {
      DB_IAM_USER  = google_sql_user.iam[name].name
      DB_POOL_SIZE = tostring(fn.db_pool_size)
    }, fn.env)
  }

  # Secret environment variables. A null version leaves the variable out (the previous token key
  # outside a rotation).
  secret_env = {
    TOKEN_SIGNING_KEY = {
      secret  = google_secret_manager_secret.token_signing_key.secret_id
      version = var.token_signing_key_version
    }
    TOKEN_SIGNING_KEY_PREVIOUS = {
      secret  = google_secret_manager_secret.token_signing_key_previous.secret_id
      version = var.token_signing_key_previous_version
    }
    REMOVE_BG_API_KEY = {
      secret  = one(google_secret_manager_secret.remove_bg_api_key[*].secret_id)
      version = local.self_hosted ? null : var.remove_bg_api_key_version
    }
  }

  # processUpload's remover settings (functions/src/config.ts). The self-hosted remover is called
  # with an ID token for its URL, which Cloud Run checks, and is sent the photo's bytes: it has no
  # access to the buckets, and the local server it runs fetches image_url from loopback only.
  remover_env = {
    REMOVE_BG_URL   = local.self_hosted ? google_cloud_run_v2_service.remover[0].uri : "https://api.remove.bg"
    REMOVE_BG_AUTH  = local.self_hosted ? "id-token" : "api-key"
    REMOVE_BG_INPUT = local.self_hosted ? "file" : "url"
  }

  function_secret_env = {
    for name, fn in local.functions : name => {
      for key in fn.secrets : key => local.secret_env[key] if local.secret_env[key].version != null
    }
  }
}
