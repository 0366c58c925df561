# The nightly job's role, the scheduler's role, with client-side encryption and
# a drill the drill job's role and, with runner = "fargate", the tasks'
# execution role: each allowed only what it uses, on this module's resources only.
# A job's role is the same whichever the runner (a Lambda function's role or a
# Fargate task role): one policy, only the service that may assume it differs.

# ---------------------------------------------------------------- job roles

data "aws_iam_policy_document" "job_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = [local.fargate ? "ecs-tasks.amazonaws.com" : "lambda.amazonaws.com"]
    }

    # Tasks: only ECS acting for this account, in this region, may assume the
    # role (confused-deputy guard, as the ECS guide's task role trust policy).
    dynamic "condition" {
      for_each = local.fargate ? [1] : []
      content {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [local.account_id]
      }
    }

    dynamic "condition" {
      for_each = local.fargate ? [1] : []
      content {
        test     = "ArnLike"
        variable = "aws:SourceArn"
        values   = ["arn:${data.aws_partition.current.partition}:ecs:${local.region}:${local.account_id}:*"]
      }
    }
  }
}

locals {
  # The jobs' roles are named after what assumes them: <name>-lambda, or
  # <name>-task with runner = "fargate" (switching runner replaces them).
  job_role_suffix = local.fargate ? "task" : "lambda"

  # Keys the functions encrypt or decrypt with: the bucket's and the topic's.
  data_kms_keys = compact([var.kms_key_arn, var.sns_kms_key_arn])
}

# What every job needs: find and read backups, read the connection string,
# log (a function, to its own log group; a task's logs are written by the
# execution role), notify, dead-letter.
data "aws_iam_policy_document" "function_base" {
  for_each = local.jobs

  statement {
    sid       = "ListBackups"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.backups.arn]

    # mongosafe always lists with a Prefix (<base>/manifests/, <base>/data/).
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.key_prefix}*"]
    }
  }

  statement {
    sid       = "ReadBackups"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.backups.arn}/${local.key_prefix}*"]
  }

  statement {
    sid       = "ReadConnectionString"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [local.secret_arn]
  }

  dynamic "statement" {
    for_each = local.fargate ? [] : [1]
    content {
      sid       = "WriteOwnLogs"
      actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      resources = ["${aws_cloudwatch_log_group.lambda[each.key].arn}:*"]
    }
  }

  statement {
    sid       = "Notify"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]
  }

  statement {
    sid       = "DeadLetter"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letters.arn]
  }

  # SSE-KMS: reading an object needs Decrypt, writing one (a backup, a
  # verification record) GenerateDataKey. Not the client-side key.
  dynamic "statement" {
    for_each = length(local.data_kms_keys) > 0 ? [1] : []
    content {
      sid       = "UseDataKeys"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = local.data_kms_keys
    }
  }

  dynamic "statement" {
    for_each = var.secret_kms_key_arn == null ? [] : [1]
    content {
      sid       = "DecryptSecret"
      actions   = ["kms:Decrypt"]
      resources = [var.secret_kms_key_arn]
    }
  }
}

# ---------------------------------------------------------------- nightly role

# The nightly job's role: a Lambda execution role, or with runner = "fargate"
# the task role.
resource "aws_iam_role" "lambda" {
  name               = "${var.name}-${local.job_role_suffix}"
  assume_role_policy = data.aws_iam_policy_document.job_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "lambda" {
  source_policy_documents = [data.aws_iam_policy_document.function_base["backup"].json]

  statement {
    sid = "WriteBackups"
    actions = [
      "s3:PutObject",
      # prune; with versioning this only adds a delete marker (no s3:DeleteObjectVersion).
      "s3:DeleteObject",
      # restoring an archive that has moved to GLACIER.
      "s3:RestoreObject",
      "s3:AbortMultipartUpload",
      "s3:ListMultipartUploadParts",
    ]
    resources = ["${aws_s3_bucket.backups.arn}/${local.key_prefix}*"]
  }

  # Object Lock: read a backup's retention (prune shows "locked until ..." and
  # deletes nothing locked), and set one on upload (mongosafe --lock-days, the
  # x-amz-object-lock-* headers). Only in the bucket's own mode and never past
  # the backups' expiry, so that whoever takes the role over cannot lock the
  # bucket's contents for decades (COMPLIANCE locks can never be shortened).
  # Never s3:BypassGovernanceRetention: no role of this module may lift a lock.
  dynamic "statement" {
    for_each = var.object_lock_mode == null ? [] : [1]
    content {
      sid       = "ReadLockConfiguration"
      actions   = ["s3:GetBucketObjectLockConfiguration"]
      resources = [aws_s3_bucket.backups.arn]
    }
  }

  dynamic "statement" {
    for_each = var.object_lock_mode == null ? [] : [1]
    content {
      sid       = "ReadRetention"
      actions   = ["s3:GetObjectRetention"]
      resources = ["${aws_s3_bucket.backups.arn}/${local.key_prefix}*"]
    }
  }

  dynamic "statement" {
    for_each = var.object_lock_mode == null ? [] : [1]
    content {
      sid       = "SetRetention"
      actions   = ["s3:PutObjectRetention"]
      resources = ["${aws_s3_bucket.backups.arn}/${local.key_prefix}*"]

      condition {
        test     = "StringEquals"
        variable = "s3:object-lock-mode"
        values   = [var.object_lock_mode]
      }

      condition {
        test     = "NumericLessThanEquals"
        variable = "s3:object-lock-remaining-retention-days"
        values   = [tostring(var.expiration_days + 1)]
      }
    }
  }

  # Client-side encryption: a fresh data key per backup, and no kms:Decrypt, so
  # this role (and whoever takes it over) can write backups but never read them.
  # Its post-backup check compares the stored ciphertext's size and SHA-256.
  dynamic "statement" {
    for_each = var.client_side_kms_key_arn == null ? [] : [1]
    content {
      sid       = "EncryptBackups"
      actions   = ["kms:GenerateDataKey"]
      resources = [var.client_side_kms_key_arn]
    }
  }
}

resource "aws_iam_role_policy" "lambda" {
  name   = "${var.name}-${local.job_role_suffix}"
  role   = aws_iam_role.lambda.id
  policy = data.aws_iam_policy_document.lambda.json
}

# ---------------------------------------------------------------- drill role

# Only with client-side encryption and a drill schedule (local.separate_drill):
# the drill decrypts, and writes nothing but its verification records.
resource "aws_iam_role" "drill" {
  count = local.separate_drill ? 1 : 0

  name               = "${var.name}-drill-${local.job_role_suffix}"
  assume_role_policy = data.aws_iam_policy_document.job_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "drill" {
  count = local.separate_drill ? 1 : 0

  source_policy_documents = [data.aws_iam_policy_document.function_base["drill"].json]

  # verify writes manifests/<id>.verified.<stamp>.<full|deep>.json beside the
  # manifest (src/core/catalog.ts, verificationKey), put-if-absent: it can add
  # a record but neither overwrite a manifest nor touch an archive.
  statement {
    sid       = "RecordVerifications"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.backups.arn}/${local.manifests_prefix}*.verified.*.json"]
  }

  statement {
    sid       = "DecryptBackups"
    actions   = ["kms:Decrypt"]
    resources = [var.client_side_kms_key_arn]
  }
}

resource "aws_iam_role_policy" "drill" {
  count = local.separate_drill ? 1 : 0

  name   = "${var.name}-drill-${local.job_role_suffix}"
  role   = aws_iam_role.drill[0].id
  policy = data.aws_iam_policy_document.drill[0].json
}

# ---------------------------------------------------------------- scheduler role

# The trust policy of each role an AWS service assumes on this account's
# behalf alone (confused-deputy guard): the scheduler's role, with a replica the
# replication role (S3, replication.tf), with runner = "fargate" the tasks'
# execution role (ECS).
data "aws_iam_policy_document" "service_trust" {
  for_each = toset(compact([
    "scheduler.amazonaws.com",
    local.replicate ? "s3.amazonaws.com" : "",
    local.fargate ? "ecs-tasks.amazonaws.com" : "",
  ]))

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = [each.key]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${var.name}-scheduler"
  assume_role_policy = data.aws_iam_policy_document.service_trust["scheduler.amazonaws.com"].json
  tags               = var.tags
}

data "aws_iam_policy_document" "scheduler" {
  dynamic "statement" {
    for_each = local.fargate ? [] : [1]
    content {
      sid       = "InvokeFunctions"
      actions   = ["lambda:InvokeFunction"]
      resources = [for f in aws_lambda_function.this : f.arn]
    }
  }

  # Fargate: start this module's task definitions (any revision), on its own
  # cluster only. RunTask passes no tags, so no ecs:TagResource.
  dynamic "statement" {
    for_each = local.fargate ? [1] : []
    content {
      sid       = "RunTasks"
      actions   = ["ecs:RunTask"]
      resources = [for t in aws_ecs_task_definition.this : "${t.arn_without_revision}:*"]

      condition {
        test     = "ArnEquals"
        variable = "ecs:cluster"
        values   = [aws_ecs_cluster.this[0].arn]
      }
    }
  }

  # ...and hand ECS the tasks' roles, for ECS tasks only.
  dynamic "statement" {
    for_each = local.fargate ? [1] : []
    content {
      sid       = "PassTaskRoles"
      actions   = ["iam:PassRole"]
      resources = concat([for t in aws_ecs_task_definition.this : t.task_role_arn], [aws_iam_role.task_execution[0].arn])

      condition {
        test     = "StringEquals"
        variable = "iam:PassedToService"
        values   = ["ecs-tasks.amazonaws.com"]
      }
    }
  }

  statement {
    sid       = "DeadLetter"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letters.arn]
  }
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "${var.name}-scheduler"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}

# ---------------------------------------------------------------- task execution role

# runner = "fargate": what ECS itself does before and around the job: pull the
# image and write the container's output to the task's log group. It reads no
# secret (the job fetches the connection string with its own role, as the
# Lambda does), so it needs no secretsmanager or kms permission.
resource "aws_iam_role" "task_execution" {
  count = local.fargate ? 1 : 0

  name               = "${var.name}-task-execution"
  assume_role_policy = data.aws_iam_policy_document.service_trust["ecs-tasks.amazonaws.com"].json
  tags               = var.tags
}

data "aws_iam_policy_document" "task_execution" {
  count = local.fargate ? 1 : 0

  statement {
    sid       = "WriteTaskLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [for group in aws_cloudwatch_log_group.task : "${group.arn}:*"]
  }

  # An image in ECR: a registry token (an action without resource-level
  # permissions, so "*" is its only resource), and the layers of that one
  # repository. Another registry's public image needs neither.
  dynamic "statement" {
    for_each = local.ecr_repository_arn == null ? [] : [1]
    content {
      sid       = "RegistryToken"
      actions   = ["ecr:GetAuthorizationToken"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = local.ecr_repository_arn == null ? [] : [1]
    content {
      sid       = "PullImage"
      actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
      resources = [local.ecr_repository_arn]
    }
  }
}

resource "aws_iam_role_policy" "task_execution" {
  count = local.fargate ? 1 : 0

  name   = "${var.name}-task-execution"
  role   = aws_iam_role.task_execution[0].id
  policy = data.aws_iam_policy_document.task_execution[0].json
}
