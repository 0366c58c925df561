# A second location (replica_region): a bucket in another region, and with
# replica_account_id another account, into which S3 copies every new backup
# object under the prefix. What the replica never receives: deletes. Delete
# marker replication is off and the replication role may not replicate deletes,
# so a prune, a lifecycle expiry or an attacker deleting on the primary leaves
# the replica whole; the replica's own lifecycle expires its copies.
#
# Replica resources use the aws.replica provider (its credentials: the replica
# account) and the replica_region (the resources' own region argument, AWS
# provider 6), so the same-account caller passes aws.replica = aws.

locals {
  replicate             = var.replica_region != null
  replica_cross_account = var.replica_account_id != null
  replica_bucket_name   = coalesce(var.replica_bucket_name, "${var.bucket_name}-replica")
}

# ---------------------------------------------------------------- replica bucket

resource "aws_s3_bucket" "replica" {
  #checkov:skip=CKV_AWS_144:This is the replica: replicating it again would make a third copy of the same backups.
  #checkov:skip=CKV2_AWS_62:Nothing consumes object events: the replica is read only when the primary is lost.
  #checkov:skip=CKV_AWS_145:SSE-S3 (AES256) is the default for cost; set replica_kms_key_arn for SSE-KMS with a Bucket Key.
  #checkov:skip=CKV_AWS_18:Access logging of the replica would need a log bucket in its region, costing more than the replicas themselves at the intended size.
  count    = local.replicate ? 1 : 0
  provider = aws.replica
  region   = var.replica_region

  bucket = local.replica_bucket_name
  tags   = var.tags
}

resource "aws_s3_bucket_public_access_block" "replica" {
  count    = local.replicate ? 1 : 0
  provider = aws.replica
  region   = var.replica_region

  bucket                  = aws_s3_bucket.replica[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "replica" {
  count    = local.replicate ? 1 : 0
  provider = aws.replica
  region   = var.replica_region

  bucket = aws_s3_bucket.replica[0].id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# S3 replicates only between versioned buckets.
resource "aws_s3_bucket_versioning" "replica" {
  count    = local.replicate ? 1 : 0
  provider = aws.replica
  region   = var.replica_region

  bucket = aws_s3_bucket.replica[0].id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "replica" {
  count    = local.replicate ? 1 : 0
  provider = aws.replica
  region   = var.replica_region

  bucket = aws_s3_bucket.replica[0].id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.replica_kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.replica_kms_key_arn
    }
    bucket_key_enabled = var.replica_kms_key_arn != null
  }
}

# Replicas keep the retention their source version had; the default covers any
# object written to the replica directly.
resource "aws_s3_bucket_object_lock_configuration" "replica" {
  count    = local.replicate && var.object_lock_mode != null ? 1 : 0
  provider = aws.replica
  region   = var.replica_region

  bucket = aws_s3_bucket.replica[0].id

  rule {
    default_retention {
      mode = var.object_lock_mode
      days = var.object_lock_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.replica]
}

data "aws_iam_policy_document" "replica_bucket" {
  count = local.replicate ? 1 : 0

  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.replica[0].arn,
      "${aws_s3_bucket.replica[0].arn}/*",
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

  # Another account's bucket must admit the replication role itself: its IAM
  # policy (in this account) is not enough across accounts.
  dynamic "statement" {
    for_each = local.replica_cross_account ? [1] : []
    content {
      sid       = "AdmitReplicationRole"
      actions   = ["s3:ReplicateObject", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner"]
      resources = ["${aws_s3_bucket.replica[0].arn}/${local.key_prefix}*"]

      principals {
        type        = "AWS"
        identifiers = [aws_iam_role.replication[0].arn]
      }
    }
  }

  dynamic "statement" {
    for_each = local.replica_cross_account ? [1] : []
    content {
      sid       = "LetReplicationRoleCheckVersioning"
      actions   = ["s3:GetBucketVersioning"]
      resources = [aws_s3_bucket.replica[0].arn]

      principals {
        type        = "AWS"
        identifiers = [aws_iam_role.replication[0].arn]
      }
    }
  }
}

resource "aws_s3_bucket_policy" "replica" {
  count    = local.replicate ? 1 : 0
  provider = aws.replica
  region   = var.replica_region

  bucket = aws_s3_bucket.replica[0].id
  policy = data.aws_iam_policy_document.replica_bucket[0].json

  depends_on = [aws_s3_bucket_public_access_block.replica]
}

# The primary's tiers and expiry, so that a replica costs what the primary
# would without prune, and ends when the primary's copy would.
resource "aws_s3_bucket_lifecycle_configuration" "replica" {
  count    = local.replicate ? 1 : 0
  provider = aws.replica
  region   = var.replica_region

  bucket = aws_s3_bucket.replica[0].id

  # The same rules as the primary's, rendered the same way (s3.tf).
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

  depends_on = [aws_s3_bucket_versioning.replica]
}

# ---------------------------------------------------------------- replication role

# Trusted by S3 for this account only (iam.tf, service_trust).
resource "aws_iam_role" "replication" {
  count = local.replicate ? 1 : 0

  name               = "${var.name}-replication"
  assume_role_policy = data.aws_iam_policy_document.service_trust["s3.amazonaws.com"].json
  tags               = var.tags
}

# Read versions from the primary, write replicas to the replica: nothing else.
# No s3:ReplicateDelete: even if someone switched delete marker replication on,
# S3 could not carry a delete over.
data "aws_iam_policy_document" "replication" {
  count = local.replicate ? 1 : 0

  statement {
    sid       = "ReadReplicationConfiguration"
    actions   = ["s3:GetReplicationConfiguration", "s3:ListBucket"]
    resources = [aws_s3_bucket.backups.arn]
  }

  statement {
    sid = "ReadSourceVersions"
    actions = concat(
      ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
      # A locked version is replicated with its retention, which S3 reads with these.
      var.object_lock_mode == null ? [] : ["s3:GetObjectRetention", "s3:GetObjectLegalHold"],
    )
    resources = ["${aws_s3_bucket.backups.arn}/${local.key_prefix}*"]
  }

  statement {
    sid = "WriteReplicas"
    actions = concat(
      ["s3:ReplicateObject", "s3:ReplicateTags"],
      # Another account's bucket: the replicas become that account's objects.
      local.replica_cross_account ? ["s3:ObjectOwnerOverrideToBucketOwner"] : [],
    )
    resources = ["${aws_s3_bucket.replica[0].arn}/${local.key_prefix}*"]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [1]
    content {
      sid       = "DecryptSource"
      actions   = ["kms:Decrypt"]
      resources = [var.kms_key_arn]
    }
  }

  dynamic "statement" {
    for_each = var.replica_kms_key_arn == null ? [] : [1]
    content {
      sid       = "EncryptReplicas"
      actions   = ["kms:Encrypt"]
      resources = [var.replica_kms_key_arn]
    }
  }
}

resource "aws_iam_role_policy" "replication" {
  count = local.replicate ? 1 : 0

  name   = "${var.name}-replication"
  role   = aws_iam_role.replication[0].id
  policy = data.aws_iam_policy_document.replication[0].json
}

# ---------------------------------------------------------------- replication rule

resource "aws_s3_bucket_replication_configuration" "backups" {
  count = local.replicate ? 1 : 0

  bucket = aws_s3_bucket.backups.id
  role   = aws_iam_role.replication[0].arn

  rule {
    id     = "backups"
    status = "Enabled"

    # Everything mongosafe writes: data/ and manifests/ under the prefix.
    filter {
      prefix = local.key_prefix
    }

    # A prune, an expiry or an attacker's delete on the primary must not reach
    # the replica: delete markers stay where they were made.
    delete_marker_replication {
      status = "Disabled"
    }

    # Objects under the bucket's SSE-KMS key are replicated only when asked.
    dynamic "source_selection_criteria" {
      for_each = var.kms_key_arn == null ? [] : [1]
      content {
        sse_kms_encrypted_objects {
          status = "Enabled"
        }
      }
    }

    destination {
      bucket  = aws_s3_bucket.replica[0].arn
      account = var.replica_account_id

      dynamic "access_control_translation" {
        for_each = local.replica_cross_account ? [1] : []
        content {
          owner = "Destination"
        }
      }

      dynamic "encryption_configuration" {
        for_each = var.replica_kms_key_arn == null ? [] : [1]
        content {
          replica_kms_key_id = var.replica_kms_key_arn
        }
      }
    }
  }

  # Both buckets versioned, and the role allowed, before S3 checks the rule.
  depends_on = [
    aws_s3_bucket_versioning.backups,
    aws_s3_bucket_versioning.replica,
    aws_iam_role_policy.replication,
    aws_s3_bucket_policy.replica,
  ]
}
