# ---------------------------------------------------------------- naming

variable "name" {
  description = "Name of the Lambda function; also the prefix of every other resource this module names (roles, queue, topic, alarms, schedules)."
  type        = string
  default     = "mongodb-backup"

  validation {
    # 46 characters leaves room for the longest suffix ("-backup-heartbeat", 17) within IAM's 64.
    condition     = can(regex("^[A-Za-z0-9_-]{1,46}$", var.name))
    error_message = "name must be 1-46 letters, digits, '-' or '_'."
  }
}

variable "tags" {
  description = "Tags added to every resource that takes tags."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------- bucket

variable "bucket_name" {
  description = "Name of the S3 bucket this module creates for the backups."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name: 3-63 lowercase letters, digits, '.' or '-'."
  }
}

variable "prefix" {
  description = "Key prefix inside the bucket under which mongosafe writes data/ and manifests/ (\"\" = the bucket root)."
  type        = string
  default     = ""

  validation {
    condition     = !startswith(var.prefix, "/") && !strcontains(var.prefix, "//")
    error_message = "prefix must not start with '/' nor contain '//'."
  }
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key for the bucket (SSE-KMS with an S3 Bucket Key). null = SSE-S3 (AES256)."
  type        = string
  default     = null
}

variable "client_side_kms_key_arn" {
  description = "ARN of a KMS key for client-side encryption: each backup is encrypted by mongosafe before it leaves the function (AWS Encryption SDK, a fresh data key per backup from kms:GenerateDataKey, wrapped by this key). The nightly role may only generate data keys with it, so it can write backups but never read them; the restore drill, when drill_schedule_expression is set, runs as a second function whose role may kms:Decrypt. Losing the key (scheduling its deletion) makes every encrypted backup unreadable. A key ARN, not an alias: IAM policies grant on the key's ARN, and an alias ARN would match no request. Must differ from kms_key_arn, sns_kms_key_arn and secret_kms_key_arn, which the nightly role may decrypt with. Whether it is null must be known at plan time: for a key created in the same configuration, pass trimspace(aws_kms_key.x.arn) rather than aws_kms_key.x.arn (whose nullness is unknown until apply). null = no client-side encryption."
  type        = string
  default     = null

  validation {
    condition     = var.client_side_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.client_side_kms_key_arn))
    error_message = "client_side_kms_key_arn must be null or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>); an alias is not accepted, since IAM policies need the key's ARN."
  }

  validation {
    # The nightly role has kms:Decrypt on those keys: sharing one would let it read the backups.
    condition     = var.client_side_kms_key_arn == null || !contains(compact([var.kms_key_arn, var.sns_kms_key_arn, var.secret_kms_key_arn]), coalesce(var.client_side_kms_key_arn, "-"))
    error_message = "client_side_kms_key_arn must be a key of its own, not kms_key_arn, sns_kms_key_arn or secret_kms_key_arn: the nightly role may decrypt with those, and could then read the backups."
  }
}

variable "object_lock_mode" {
  description = "S3 Object Lock for the backups: \"GOVERNANCE\" (only a principal with s3:BypassGovernanceRetention, which this module grants to no one, can delete or shorten a lock early), \"COMPLIANCE\" (no one can, the root user included, and a retention once set can never be shortened), or null for none. Every new object version gets object_lock_days of retention by default. Object Lock is enabled through the bucket's Object Lock configuration, which S3 accepts on an existing versioned bucket too: switching it on later keeps the bucket and its backups (only objects written from then on are locked). Once on, S3 never turns it off: setting this back to null only removes the default retention."
  type        = string
  default     = null

  validation {
    condition     = var.object_lock_mode == null || contains(["GOVERNANCE", "COMPLIANCE"], coalesce(var.object_lock_mode, "-"))
    error_message = "object_lock_mode must be null, \"GOVERNANCE\" or \"COMPLIANCE\"."
  }
}

variable "object_lock_days" {
  description = "Days each new backup object is locked with object_lock_mode (the bucket's default retention). Required with object_lock_mode, not allowed without it. expiration_days must be at least this: the lifecycle cannot remove a locked version anyway."
  type        = number
  default     = null

  validation {
    condition     = (var.object_lock_mode == null) == (var.object_lock_days == null)
    error_message = "object_lock_days must be given with object_lock_mode, and only with it."
  }

  validation {
    condition     = var.object_lock_days == null || (coalesce(var.object_lock_days, 1) >= 1 && floor(coalesce(var.object_lock_days, 1)) == coalesce(var.object_lock_days, 1))
    error_message = "object_lock_days must be a whole number of at least 1."
  }
}

variable "access_log_bucket" {
  description = "Name of an existing bucket that receives S3 server access logs for the backup bucket, or null for none."
  type        = string
  default     = null
}

# ---------------------------------------------------------------- replica

variable "replica_region" {
  description = "Region of a second bucket that S3 replicates every backup under prefix into (a copy that survives the loss of this bucket, its region or, with replica_account_id, its account), e.g. \"us-west-2\". The replica bucket is created through the aws.replica provider in this region (the resources' own region argument): pass providers = { aws = aws, aws.replica = aws } for the same account. Deletes on this bucket (prune, expiry, an attacker) are not replicated. null = no replica."
  type        = string
  default     = null

  validation {
    condition     = var.replica_region == null || can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.replica_region))
    error_message = "replica_region must be null or an AWS region name such as us-west-2."
  }
}

variable "replica_bucket_name" {
  description = "Name of the replica bucket; null = bucket_name followed by \"-replica\"."
  type        = string
  default     = null

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", coalesce(var.replica_bucket_name, "${var.bucket_name}-replica")))
    error_message = "replica_bucket_name (by default bucket_name + \"-replica\", which must then fit in 63 characters) must be a valid S3 bucket name: 3-63 lowercase letters, digits, '.' or '-'."
  }
}

variable "replica_account_id" {
  description = "Account that owns the replica bucket, when it is not this one. The aws.replica provider must then be configured for that account (e.g. assume_role into it): the module creates the replica bucket with it. Replicas become owned by that account (access_control_translation), and its bucket policy admits this module's replication role. null = this account."
  type        = string
  default     = null

  validation {
    condition     = var.replica_account_id == null || (var.replica_region != null && can(regex("^[0-9]{12}$", coalesce(var.replica_account_id, "-"))))
    error_message = "replica_account_id must be null or a 12-digit account id, and needs replica_region."
  }
}

variable "replica_kms_key_arn" {
  description = "ARN of a customer managed KMS key in replica_region (and in the replica's account) that encrypts the replicas (SSE-KMS with a Bucket Key); the replication role may kms:Encrypt with it. Required when kms_key_arn is set, since S3 replicates SSE-KMS objects only into a bucket with a key of its own. null = SSE-S3 (AES256) on the replica."
  type        = string
  default     = null

  validation {
    condition     = var.replica_kms_key_arn == null || (var.replica_region != null && can(regex("^arn:aws[a-z-]*:kms:${coalesce(var.replica_region, "-")}:[0-9]{12}:key/[A-Za-z0-9-]+$", coalesce(var.replica_kms_key_arn, "-"))))
    error_message = "replica_kms_key_arn must be null or the ARN of a KMS key in replica_region (arn:aws:kms:<replica_region>:<account>:key/<key id>), and needs replica_region."
  }

  validation {
    condition     = var.replica_region == null || var.kms_key_arn == null || var.replica_kms_key_arn != null
    error_message = "replica_kms_key_arn is required when kms_key_arn and replica_region are set: S3 replicates SSE-KMS objects only when told which key encrypts the replicas."
  }
}

# ---------------------------------------------------------------- lifecycle

variable "transition_to_ia_days" {
  description = "Days after which a backup archive (data/) moves to STANDARD_IA."
  type        = number
  default     = 30

  validation {
    # S3 rejects a STANDARD_IA transition earlier than 30 days.
    condition     = var.transition_to_ia_days >= 30
    error_message = "transition_to_ia_days must be at least 30 (S3's minimum for STANDARD_IA)."
  }
}

variable "transition_to_glacier_days" {
  description = "Days after which a backup archive (data/) moves to GLACIER (Flexible Retrieval)."
  type        = number
  default     = 90

  validation {
    # S3 requires an object to stay 30 days in STANDARD_IA before the next transition.
    condition     = var.transition_to_glacier_days >= var.transition_to_ia_days + 30
    error_message = "transition_to_glacier_days must be at least transition_to_ia_days + 30 (STANDARD_IA's minimum stay)."
  }
}

variable "expiration_days" {
  description = "Days after which a backup expires: its manifest on this day, its archive one day later (deletes go manifest first, as mongosafe's own prune does)."
  type        = number
  default     = 365

  validation {
    condition     = var.expiration_days > var.transition_to_glacier_days
    error_message = "expiration_days must be greater than transition_to_glacier_days (GLACIER also bills 90 days at least)."
  }

  validation {
    # An expiry of a locked current version only hides it behind a delete marker;
    # the version itself stays, billed, until its retention ends.
    condition     = var.expiration_days >= coalesce(var.object_lock_days, 0)
    error_message = "expiration_days must be at least object_lock_days: a backup that expires while still locked disappears from mongosafe list, yet S3 keeps (and bills) it until its lock ends."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days a deleted or overwritten object version is kept before it is removed for good (the undo window for prune and for mistakes)."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "noncurrent_version_expiration_days must be at least 1."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which S3 discards the parts of a multipart upload that was never completed (a crashed backup)."
  type        = number
  default     = 2

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1
    error_message = "abort_incomplete_multipart_upload_days must be at least 1."
  }
}

# ---------------------------------------------------------------- secret

variable "mongodb_uri_secret_arn" {
  description = "ARN of an existing Secrets Manager secret that holds the connection string (e.g. moms-recipe-secrets). Leave null when create_secret = true."
  type        = string
  default     = null

  validation {
    condition     = (var.mongodb_uri_secret_arn != null) != var.create_secret
    error_message = "Give either mongodb_uri_secret_arn (an existing secret) or create_secret = true, not both and not neither."
  }
}

variable "mongodb_uri_secret_key" {
  description = "JSON key inside the secret whose value is the connection string; null when the secret's whole value is the string."
  type        = string
  default     = "MONGODB_URI"
}

variable "create_secret" {
  description = "Create an empty secret (its container only) named secret_name; you put the connection string into it yourself, so it never enters Terraform state."
  type        = bool
  default     = false
}

variable "secret_name" {
  description = "Name of the secret created when create_secret = true."
  type        = string
  default     = null

  validation {
    condition     = !var.create_secret || var.secret_name != null
    error_message = "secret_name is required when create_secret = true."
  }
}

variable "secret_kms_key_arn" {
  description = "ARN of the customer managed KMS key that encrypts the secret (for a created secret, the key to use). null = the AWS managed key aws/secretsmanager."
  type        = string
  default     = null
}

# ---------------------------------------------------------------- function

variable "runner" {
  description = "Where the jobs run: \"lambda\" (a function per job, 15 minutes at most) or \"fargate\" (an ECS Fargate task per run, from the mongosafe container image: no time limit, up to 200 GiB of spool; ecs.tf). Switching replaces the roles and moves the logs to new log groups; the bucket, its backups and the alarms stay."
  type        = string
  default     = "lambda"

  validation {
    condition     = contains(["lambda", "fargate"], var.runner)
    error_message = "runner must be \"lambda\" or \"fargate\"."
  }
}

variable "lambda_zip_path" {
  description = "Path of the bundle written by `npm run package:lambda` (dist/lambda.zip), relative to the directory where terraform runs. Required with runner = \"lambda\"; unused (may be null) with \"fargate\"."
  type        = string
  default     = null

  validation {
    # coalesce: fileexists(null) is an error, and Terraform's || evaluates both sides.
    condition     = var.runner != "lambda" || fileexists(coalesce(var.lambda_zip_path, "/nonexistent/lambda.zip"))
    error_message = "lambda_zip_path does not name a file: run `npm run package:lambda` first, or pass the path of dist/lambda.zip (required with runner = \"lambda\")."
  }
}

variable "runtime" {
  description = "Lambda runtime."
  type        = string
  default     = "nodejs22.x"

  validation {
    # Deprecation dates (AWS): nodejs22.x 2027-04-30, nodejs24.x 2028-04-30.
    condition     = contains(["nodejs22.x", "nodejs24.x"], var.runtime)
    error_message = "runtime must be nodejs22.x or nodejs24.x."
  }
}

variable "memory_size" {
  description = "Lambda memory in MB; CPU and network bandwidth grow with it."
  type        = number
  default     = 1024

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be between 128 and 10240 MB."
  }
}

variable "databases" {
  description = "Databases to back up; [] = every user database."
  type        = list(string)
  default     = []
}

variable "verify" {
  description = "What the function checks after each backup: \"full\" reads the archive back (sha256, CRC and counts per namespace), \"none\" skips it."
  type        = string
  default     = "full"

  validation {
    condition     = contains(["none", "full"], var.verify)
    error_message = "verify must be \"none\" or \"full\"."
  }
}

variable "keep" {
  description = "Retention applied by a prune after each successful backup: keep the `last` N backups and one for each of the last N days, weeks, months and years (grandfather-father-son, UTC). Omitted rules are not applied; {} = no prune. The lifecycle expiry still removes anything older than expiration_days."
  type = object({
    last    = optional(number)
    daily   = optional(number)
    weekly  = optional(number)
    monthly = optional(number)
    yearly  = optional(number)
  })
  default = {}

  validation {
    condition     = alltrue([for n in values(var.keep) : n == null ? true : n >= 1 && floor(n) == n])
    error_message = "Each keep rule must be a whole number of at least 1 (leave a rule out rather than setting it to 0)."
  }
}

variable "lambda_retry_attempts" {
  description = "How often Lambda retries a failed asynchronous (scheduled) invocation, 0-2; a retry of the same scheduled run is idempotent."
  type        = number
  default     = 1

  validation {
    condition     = var.lambda_retry_attempts >= 0 && var.lambda_retry_attempts <= 2
    error_message = "lambda_retry_attempts must be 0, 1 or 2."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the function's logs."
  type        = number
  default     = 90

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

# ---------------------------------------------------------------- fargate (runner = "fargate", ecs.tf)

variable "container_image" {
  description = "The mongosafe container image the tasks run (entrypoint `node /app/mongosafe.mjs`, command `job`), e.g. \"123456789012.dkr.ecr.eu-west-1.amazonaws.com/mongosafe:1.4.0\" or one pinned by digest. Required with runner = \"fargate\". An ECR image in this account lets the execution role pull from that repository only; any other registry must be public."
  type        = string
  default     = null

  validation {
    condition     = var.runner != "fargate" || trimspace(coalesce(var.container_image, " ")) != ""
    error_message = "container_image is required with runner = \"fargate\": the URI of the mongosafe image, e.g. <account>.dkr.ecr.<region>.amazonaws.com/mongosafe:<version>."
  }
}

variable "subnet_ids" {
  description = "Subnets the tasks run in (awsvpc). Required with runner = \"fargate\". With assign_public_ip = true, public subnets (a route to an internet gateway); with false, private subnets with a NAT gateway or VPC endpoints for S3, Secrets Manager, CloudWatch Logs, SNS and ECR, and a route to the MongoDB server."
  type        = list(string)
  default     = []

  validation {
    condition     = var.runner != "fargate" || length(var.subnet_ids) > 0
    error_message = "subnet_ids is required with runner = \"fargate\": at least one subnet for the tasks."
  }
}

variable "security_group_ids" {
  description = "Security groups of the tasks; null = one the module creates in the subnets' VPC that allows no inbound traffic and outbound TCP to egress_tcp_ports only."
  type        = list(string)
  default     = null
}

variable "egress_tcp_ports" {
  description = "Outbound TCP ports of the security group the module creates (security_group_ids = null), to any address: 443 for the AWS APIs and the image registry, 27015-27017 for MongoDB (Atlas: 27017 for a replica set, 27016 for a sharded cluster's mongos). The VPC's DNS resolver needs no rule."
  type        = list(number)
  default     = [443, 27015, 27016, 27017]

  validation {
    condition     = alltrue([for p in var.egress_tcp_ports : p >= 1 && p <= 65535 && floor(p) == p])
    error_message = "egress_tcp_ports must be TCP port numbers (1-65535)."
  }
}

variable "assign_public_ip" {
  description = "Give each task a public IP: true (the default) runs it in a public subnet without a NAT gateway (~$32 a month plus traffic, more than everything else here), as the Lambda reaches Atlas and the AWS APIs over the internet with TLS; false for private subnets (see subnet_ids)."
  type        = bool
  default     = true
}

variable "task_cpu" {
  description = "CPU units of a task (1024 = 1 vCPU): 256, 512, 1024, 2048, 4096, 8192 or 16384. A backup is mostly waiting on the server; 1 vCPU gzips about 8 GB of BSON a minute at the default level."
  type        = number
  default     = 1024

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.task_cpu)
    error_message = "task_cpu must be one of Fargate's sizes: 256, 512, 1024, 2048, 4096, 8192, 16384."
  }
}

variable "task_memory" {
  description = "Memory of a task in MiB, within what Fargate allows for task_cpu: 256 → 512, 1024, 2048; 512 → 1024-4096; 1024 → 2048-8192; 2048 → 4096-16384 (steps of 1024); 4096 → 8192-30720 (1024); 8192 → 16384-61440 (4096); 16384 → 32768-122880 (8192)."
  type        = number
  default     = 2048

  validation {
    # Fargate's CPU/memory table as [min, max, step] per CPU size; 256 takes three sizes only.
    condition = var.task_cpu == 256 ? contains([512, 1024, 2048], var.task_memory) : alltrue([
      for r in [lookup({
        "512"   = [1024, 4096, 1024]
        "1024"  = [2048, 8192, 1024]
        "2048"  = [4096, 16384, 1024]
        "4096"  = [8192, 30720, 1024]
        "8192"  = [16384, 61440, 4096]
        "16384" = [32768, 122880, 8192]
      }, tostring(var.task_cpu), [1, 0, 1])] :
      var.task_memory >= r[0] && var.task_memory <= r[1] && var.task_memory % r[2] == 0
    ])
    error_message = "task_memory is not a size Fargate offers for task_cpu (see the variable's description)."
  }
}

variable "task_ephemeral_storage_gib" {
  description = "Ephemeral storage of a task in GiB (21-200): where the job spools (/tmp). null = Fargate's free 20 GiB; more is billed per GiB-hour."
  type        = number
  default     = null

  validation {
    condition     = var.task_ephemeral_storage_gib == null || (coalesce(var.task_ephemeral_storage_gib, 21) >= 21 && coalesce(var.task_ephemeral_storage_gib, 21) <= 200 && floor(coalesce(var.task_ephemeral_storage_gib, 21)) == coalesce(var.task_ephemeral_storage_gib, 21))
    error_message = "task_ephemeral_storage_gib must be null (20 GiB) or a whole number from 21 to 200."
  }
}

variable "task_cpu_architecture" {
  description = "CPU architecture of the tasks: \"ARM64\" (Graviton, ~20% cheaper, like the Lambda's arm64) or \"X86_64\". The image must be built for it (or be a multi-platform image)."
  type        = string
  default     = "ARM64"

  validation {
    condition     = contains(["ARM64", "X86_64"], var.task_cpu_architecture)
    error_message = "task_cpu_architecture must be \"ARM64\" or \"X86_64\"."
  }
}

# ---------------------------------------------------------------- schedule

variable "schedule_expression" {
  description = "When the backup runs (EventBridge Scheduler cron() or rate() expression)."
  type        = string
  default     = "cron(0 3 * * ? *)"

  validation {
    condition     = can(regex("^(cron|rate)\\(.+\\)$", var.schedule_expression))
    error_message = "schedule_expression must be a cron(...) or rate(...) expression."
  }
}

variable "schedule_timezone" {
  description = "IANA time zone in which schedule_expression and drill_schedule_expression are read."
  type        = string
  default     = "UTC"
}

variable "schedule_enabled" {
  description = "false pauses the schedules without destroying anything."
  type        = bool
  default     = true
}

variable "drill_schedule_expression" {
  description = "When to run a restore drill (verify --deep of the newest backup), e.g. \"cron(0 5 ? * SUN *)\"; null = no drill."
  type        = string
  default     = null

  validation {
    condition     = var.drill_schedule_expression == null || can(regex("^(cron|rate)\\(.+\\)$", var.drill_schedule_expression))
    error_message = "drill_schedule_expression must be null or a cron(...) or rate(...) expression."
  }
}

variable "scheduler_retry_attempts" {
  description = "How often EventBridge Scheduler retries delivering an invocation that Lambda did not accept (0-185)."
  type        = number
  default     = 3

  validation {
    condition     = var.scheduler_retry_attempts >= 0 && var.scheduler_retry_attempts <= 185
    error_message = "scheduler_retry_attempts must be between 0 and 185."
  }
}

variable "scheduler_max_event_age_seconds" {
  description = "How long EventBridge Scheduler keeps trying to deliver one invocation (60-86400 s) before it goes to the dead-letter queue."
  type        = number
  default     = 3600

  validation {
    condition     = var.scheduler_max_event_age_seconds >= 60 && var.scheduler_max_event_age_seconds <= 86400
    error_message = "scheduler_max_event_age_seconds must be between 60 and 86400."
  }
}

# ---------------------------------------------------------------- alarms

variable "alarm_email" {
  description = "Email address subscribed to the alarm topic (the subscription must be confirmed from the email); null = subscribe nothing."
  type        = string
  default     = null
}

variable "sns_kms_key_arn" {
  description = "ARN of a customer managed KMS key for the alarm topic, or null for no encryption at rest. Its key policy must let cloudwatch.amazonaws.com use kms:Decrypt and kms:GenerateDataKey*; the AWS managed key alias/aws/sns cannot, and alarms would then fail to notify."
  type        = string
  default     = null
}

variable "heartbeat_max_age_hours" {
  description = "The heartbeat alarm fires when no backup has succeeded for this many hours. Make it the schedule's interval plus a margin (26 for a daily run)."
  type        = number
  default     = 26

  validation {
    # CloudWatch caps an alarm's window at 7 days (168 one-hour periods).
    condition     = var.heartbeat_max_age_hours >= 2 && var.heartbeat_max_age_hours <= 168
    error_message = "heartbeat_max_age_hours must be between 2 and 168."
  }
}

# ---------------------------------------------------------------- dashboard

variable "dashboard_enabled" {
  description = "Create the CloudWatch dashboard of the nightly runs (dashboard.tf): bytes, documents, durations, successes and failures, drills, alarms. Beyond the account's first 3 dashboards each costs $3 a month."
  type        = bool
  default     = true
}
