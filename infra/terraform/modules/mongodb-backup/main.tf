# mongosafe's nightly MongoDB backup: a Lambda (or, with runner = "fargate", an
# ECS Fargate task) run by EventBridge Scheduler that writes mongodump-compatible
# archives to an encrypted, versioned S3 bucket, with alarms when a run fails or
# when no backup has succeeded for too long.
# Resources are split by concern: s3.tf, lambda.tf, ecs.tf, iam.tf, schedule.tf,
# notifications.tf, alarms.tf, and replication.tf for the optional replica.

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region

  # Where the jobs run (variables.tf, runner): Lambda functions, or Fargate tasks.
  fargate = var.runner == "fargate"

  # "" or "some/prefix/": what comes before data/ and manifests/ (DESIGN.md §3).
  key_prefix       = var.prefix == "" ? "" : "${trimsuffix(var.prefix, "/")}/"
  data_prefix      = "${local.key_prefix}data/"
  manifests_prefix = "${local.key_prefix}manifests/"
  destination      = trimsuffix("s3://${var.bucket_name}/${local.key_prefix}", "/")

  secret_arn = var.create_secret ? aws_secretsmanager_secret.mongodb_uri[0].arn : var.mongodb_uri_secret_arn
  # The handler reads MONGODB_URI_SECRET as "<arn>#<json key>" (or "<arn>" for a plain-string secret).
  secret_ref = var.mongodb_uri_secret_key == null ? local.secret_arn : "${local.secret_arn}#${var.mongodb_uri_secret_key}"

  # The namespace of the handler's EMF metrics (src/lambda/metrics.ts), dimension set [["FunctionName"]].
  metric_namespace = "mongosafe"
}

# Only the secret's container: its value (the connection string) is put by hand
# (`aws secretsmanager put-secret-value`) so that it never enters Terraform state.
resource "aws_secretsmanager_secret" "mongodb_uri" {
  #checkov:skip=CKV_AWS_149:The key is a variable (secret_kms_key_arn); by default the AWS managed key aws/secretsmanager encrypts it, which only this account's principals can use.
  #checkov:skip=CKV2_AWS_57:Rotation happens where the password lives (Atlas); the function reads the secret on every run, so a rotated value is picked up without a rotation Lambda.
  count = var.create_secret ? 1 : 0

  name        = var.secret_name
  description = "MongoDB connection string for ${var.name} (key ${coalesce(var.mongodb_uri_secret_key, "<whole value>")})"
  kms_key_id  = var.secret_kms_key_arn
  tags        = var.tags
}
