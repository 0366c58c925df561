resource "aws_s3_bucket" "backups" {
  #checkov:skip=CKV_AWS_144:Cross-region replication is optional (replica_region, replication.tf): off by default, since it doubles the storage bill of a small backup set.
  #checkov:skip=CKV2_AWS_62:Nothing consumes object events: success is reported by the BackupSucceeded metric and failures by the alarms.
  #checkov:skip=CKV_AWS_145:SSE-S3 (AES256) is the default for cost; set kms_key_arn for SSE-KMS with a Bucket Key.
  #checkov:skip=CKV_AWS_18:Access logging is optional (access_log_bucket): a log bucket of its own would cost more than the backups at the intended size.
  bucket = var.bucket_name
  # No object_lock_enabled here: that argument forces a new bucket when it
  # changes, so switching Object Lock on later would plan to destroy the backups.
  # aws_s3_bucket_object_lock_configuration below enables it instead, which S3
  # accepts on an existing versioned bucket as on a new one.
  tags = var.tags
}

resource "aws_s3_bucket_public_access_block" "backups" {
  bucket = aws_s3_bucket.backups.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# ACLs off: the bucket owner owns every object, whoever wrote it.
resource "aws_s3_bucket_ownership_controls" "backups" {
  bucket = aws_s3_bucket.backups.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# Versioning turns a prune or an overwrite into a recoverable delete marker for
# noncurrent_version_expiration_days; the function may delete objects but has no
# s3:DeleteObjectVersion, so it cannot erase a backup for good.
resource "aws_s3_bucket_versioning" "backups" {
  bucket = aws_s3_bucket.backups.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "backups" {
  bucket = aws_s3_bucket.backups.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    # A Bucket Key cuts KMS requests (and their cost) by up to 99%; ignored for AES256.
    bucket_key_enabled = var.kms_key_arn != null
  }
}

data "aws_iam_policy_document" "bucket" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.backups.arn,
      "${aws_s3_bucket.backups.arn}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "backups" {
  bucket = aws_s3_bucket.backups.id
  policy = data.aws_iam_policy_document.bucket.json

  # S3 rejects a policy while the public access block is being applied.
  depends_on = [aws_s3_bucket_public_access_block.backups]
}

# Archives (data/) move to cheaper tiers; manifests stay in STANDARD so that
# `list` and `verify` never wait on a Glacier restore (DESIGN.md §3). The rules
# are data, rendered by both buckets' lifecycle configurations (the replica's in
# replication.tf), so that the two cannot drift apart. A rule leaves out what it
# does not set: null, or [] for transitions.
locals {
  lifecycle_rules = [
    {
      id     = "data"
      prefix = local.data_prefix
      transitions = [
        { days = var.transition_to_ia_days, storage_class = "STANDARD_IA" },
        { days = var.transition_to_glacier_days, storage_class = "GLACIER" },
      ]
      # One day after the manifest: mongosafe deletes a backup manifest first, so a
      # listed backup never points at an archive that is already gone.
      expiration                   = { days = var.expiration_days + 1, expired_object_delete_marker = null }
      noncurrent_days              = null
      abort_incomplete_upload_days = null
    },
    {
      id                           = "manifests"
      prefix                       = local.manifests_prefix
      transitions                  = []
      expiration                   = { days = var.expiration_days, expired_object_delete_marker = null }
      noncurrent_days              = null
      abort_incomplete_upload_days = null
    },
    # Whole bucket: uploads that never completed (a crashed run), versions that a
    # prune or an expiry turned noncurrent, and the delete markers left after them.
    {
      id                           = "housekeeping"
      prefix                       = ""
      transitions                  = []
      expiration                   = { days = null, expired_object_delete_marker = true }
      noncurrent_days              = var.noncurrent_version_expiration_days
      abort_incomplete_upload_days = var.abort_incomplete_multipart_upload_days
    },
  ]
}

resource "aws_s3_bucket_lifecycle_configuration" "backups" {
  bucket = aws_s3_bucket.backups.id

  dynamic "rule" {
    for_each = local.lifecycle_rules
    content {
      id     = rule.value.id
      status = "Enabled"

      filter {
        prefix = rule.value.prefix
      }

      dynamic "transition" {
        for_each = rule.value.transitions
        content {
          days          = transition.value.days
          storage_class = transition.value.storage_class
        }
      }

      dynamic "noncurrent_version_expiration" {
        for_each = rule.value.noncurrent_days == null ? [] : [rule.value.noncurrent_days]
        content {
          noncurrent_days = noncurrent_version_expiration.value
        }
      }

      dynamic "abort_incomplete_multipart_upload" {
        for_each = rule.value.abort_incomplete_upload_days == null ? [] : [rule.value.abort_incomplete_upload_days]
        content {
          days_after_initiation = abort_incomplete_multipart_upload.value
        }
      }

      expiration {
        days                         = rule.value.expiration.days
        expired_object_delete_marker = rule.value.expiration.expired_object_delete_marker
      }
    }
  }

  # Noncurrent-version rules need versioning in place first.
  depends_on = [aws_s3_bucket_versioning.backups]
}

# Object Lock (object_lock_mode): enables it on the bucket (for good: S3 never
# turns it off) and gives every new object version object_lock_days of retention.
# Lifecycle and locks (variables.tf keeps expiration_days >= object_lock_days):
# an expiry or a prune of a locked object only adds a delete marker, and the
# noncurrent-version expiry removes the version once its retention has passed.
resource "aws_s3_bucket_object_lock_configuration" "backups" {
  count  = var.object_lock_mode == null ? 0 : 1
  bucket = aws_s3_bucket.backups.id

  rule {
    default_retention {
      mode = var.object_lock_mode
      days = var.object_lock_days
    }
  }

  # S3 enables Object Lock only on a bucket whose versioning is already on.
  depends_on = [aws_s3_bucket_versioning.backups]
}

resource "aws_s3_bucket_logging" "backups" {
  count  = var.access_log_bucket == null ? 0 : 1
  bucket = aws_s3_bucket.backups.id

  target_bucket = var.access_log_bucket
  target_prefix = "${var.bucket_name}/"
}
