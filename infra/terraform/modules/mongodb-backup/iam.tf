# The nightly function's role, the scheduler's role and, with client-side
# encryption and a drill, the drill function's role: each allowed only what it
# uses, on this module's resources only.

# ---------------------------------------------------------------- function roles

data "aws_iam_policy_document" "lambda_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

locals {
  # Keys the functions encrypt or decrypt with: the bucket's and the topic's.
  data_kms_keys = compact([var.kms_key_arn, var.sns_kms_key_arn])
}

# What every function needs, each for its own log group: find and read backups,
# read the connection string, log, notify, dead-letter.
data "aws_iam_policy_document" "function_base" {
  for_each = local.functions

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

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.lambda[each.key].arn}:*"]
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

resource "aws_iam_role" "lambda" {
  name               = "${var.name}-lambda"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
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
  name   = "${var.name}-lambda"
  role   = aws_iam_role.lambda.id
  policy = data.aws_iam_policy_document.lambda.json
}

# ---------------------------------------------------------------- drill role

# Only with client-side encryption and a drill schedule (local.separate_drill):
# the drill decrypts, and writes nothing but its verification records.
resource "aws_iam_role" "drill" {
  count = local.separate_drill ? 1 : 0

  name               = "${var.name}-drill-lambda"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
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

  name   = "${var.name}-drill-lambda"
  role   = aws_iam_role.drill[0].id
  policy = data.aws_iam_policy_document.drill[0].json
}

# ---------------------------------------------------------------- scheduler role

data "aws_iam_policy_document" "scheduler_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    # Only schedules in this account may use the role (confused-deputy guard).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${var.name}-scheduler"
  assume_role_policy = data.aws_iam_policy_document.scheduler_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    sid       = "InvokeFunctions"
    actions   = ["lambda:InvokeFunction"]
    resources = [for f in aws_lambda_function.this : f.arn]
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
