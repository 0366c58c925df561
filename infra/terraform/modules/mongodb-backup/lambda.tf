locals {
  # A drill of client-side encrypted backups must decrypt them, which the nightly
  # role must never do: the drill then runs as a job of its own (a function, or
  # a task definition), with its own role. Otherwise one job does both, as before.
  # Jobs and roles are counted from this, so it must be known at plan time:
  # a key created in the same configuration is passed as trimspace(key.arn),
  # whose result Terraform knows is not null (variables.tf).
  separate_drill = var.client_side_kms_key_arn != null && var.drill_schedule_expression != null

  # Every job this module runs, whichever the runner: the same code, settings and
  # environment, differing only in name, description and role. The name is the
  # function's name, or the task definition's family, and the FunctionName
  # dimension of the job's metrics either way (alarms.tf).
  jobs = merge(
    {
      backup = {
        name        = var.name
        description = "mongosafe: backs up MongoDB to ${local.destination}"
        role_arn    = aws_iam_role.lambda.arn
      }
    },
    local.separate_drill ? {
      drill = {
        name        = "${var.name}-drill"
        description = "mongosafe: restore drill (verify --deep) of ${local.destination}"
        role_arn    = aws_iam_role.drill[0].arn
      }
    } : {},
  )

  # The jobs as Lambda functions (runner = "lambda"), or as Fargate task
  # definitions (runner = "fargate", ecs.tf): one of the two is empty.
  functions = local.fargate ? {} : local.jobs

  # Which job each schedule runs.
  drill_function = local.separate_drill ? "drill" : "backup"
}

# Created before the function so that Lambda never creates it without a retention.
resource "aws_cloudwatch_log_group" "lambda" {
  #checkov:skip=CKV_AWS_338:Retention is a variable (log_retention_days, default 90): the logs hold run summaries, while the backups' own record is the manifests in S3.
  #checkov:skip=CKV_AWS_158:The logs carry no data and no secret (mongosafe redacts connection strings before logging); the service's default encryption at rest applies.
  for_each = local.functions

  name              = "/aws/lambda/${each.value.name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

locals {
  # The connection string is NOT here: the handler fetches it from Secrets Manager
  # on every run, so it is neither in the console nor in Terraform state.
  lambda_env = {
    DESTINATION        = local.destination
    MONGODB_URI_SECRET = local.secret_ref
    DATABASES          = join(",", var.databases)
    VERIFY             = var.verify
    NOTIFY_TOPIC_ARN   = aws_sns_topic.alarms.arn
  }

  # KEEP_LAST, KEEP_DAILY, ...: set only for the rules given (an unset rule is not
  # the same as keeping 0).
  keep_env = { for rule, n in var.keep : "KEEP_${upper(rule)}" => tostring(n) if n != null }

  # With a bucket KMS key the handler must ask for SSE-KMS itself: otherwise it
  # requests SSE-S3, which overrides the bucket's default key.
  kms_env = var.kms_key_arn == null ? {} : { KMS_KEY_ID = var.kms_key_arn }

  # Client-side encryption: backups are encrypted under this key before upload.
  # Unset, the handler encrypts nothing itself.
  encrypt_env = var.client_side_kms_key_arn == null ? {} : { ENCRYPT = "kms:${var.client_side_kms_key_arn}" }

  # The environment of every job, function or task alike (a task adds JOB_NAME
  # and AWS_REGION, which Lambda sets itself).
  job_env = merge(local.lambda_env, local.keep_env, local.kms_env, local.encrypt_env)
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:No VPC: Atlas (and most hosted MongoDB) is reached over the internet with TLS, and a VPC would need a NAT gateway (~$32/month) for that.
  #checkov:skip=CKV_AWS_50:No X-Ray: one run a day, timed by the BackupDurationSeconds metric and the logs; X-Ray would need a "*" resource grant.
  #checkov:skip=CKV_AWS_272:No code signing: the zip is built from this repository by `npm run package:lambda` and pinned by source_code_hash.
  #checkov:skip=CKV_AWS_173:The environment holds no secret (only the secret's ARN); Lambda encrypts it at rest with its service key.
  for_each = local.functions

  function_name = each.value.name
  description   = each.value.description
  role          = each.value.role_arn

  filename         = var.lambda_zip_path
  source_code_hash = filebase64sha256(var.lambda_zip_path)
  # esbuild bundles src/lambda/handler.ts into index.mjs, exporting `handler`.
  handler       = "index.handler"
  runtime       = var.runtime
  architectures = ["arm64"]
  memory_size   = var.memory_size
  # Lambda's maximum; the handler aborts cleanly a minute before it (STYLE.md, Lambda).
  timeout = 900

  # One run at a time per function: a retry or a drill that overlaps a run of the
  # same function waits (throttled asynchronous invocations are retried by Lambda)
  # instead of racing it. A separate drill function is not held back by a
  # backup; its schedule should leave the backup time to finish.
  reserved_concurrent_executions = 1

  environment {
    variables = local.job_env
  }

  # Invocations that still fail after lambda_retry_attempts land here (and raise an alarm).
  dead_letter_config {
    target_arn = aws_sqs_queue.dead_letters.arn
  }

  tags = var.tags

  depends_on = [
    aws_cloudwatch_log_group.lambda,
    aws_iam_role_policy.lambda,
    aws_iam_role_policy.drill,
  ]
}

resource "aws_lambda_function_event_invoke_config" "this" {
  for_each = aws_lambda_function.this

  function_name          = each.value.function_name
  maximum_retry_attempts = var.lambda_retry_attempts
  # Lambda's own maximum (6 h): long enough for a throttled invocation to wait out a run in progress.
  maximum_event_age_in_seconds = 21600
}

# Before the optional drill function there was one function, and these addresses
# held it: existing deployments keep their function, log group and settings.
moved {
  from = aws_lambda_function.backup
  to   = aws_lambda_function.this["backup"]
}

moved {
  from = aws_cloudwatch_log_group.lambda
  to   = aws_cloudwatch_log_group.lambda["backup"]
}

moved {
  from = aws_lambda_function_event_invoke_config.backup
  to   = aws_lambda_function_event_invoke_config.this["backup"]
}
