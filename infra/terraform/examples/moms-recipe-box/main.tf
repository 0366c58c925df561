# Mom's Recipe Box: the seed plan's nightly Atlas M0 backup, on mongosafe's module.
# Same names as the seed: the bucket momsrecipebox-mongodb-backups-<account>, the
# secret moms-recipe-secrets with its MONGODB_URI key, the database momsrecipebox,
# every day at 03:00 UTC, STANDARD_IA at 30 days, GLACIER at 90, gone at 365.

provider "aws" {
  region = var.region
}

data "aws_caller_identity" "current" {}

# The existing secret, looked up by name (its ARN ends in a random suffix).
data "aws_secretsmanager_secret" "app" {
  name = "moms-recipe-secrets"
}

# Client-side encryption: mongosafe encrypts each archive under this key before it
# leaves the function. The module lets the nightly role only generate data keys
# with it (it can write backups, never read them) and runs the Sunday restore
# drill as a second function whose role may decrypt.
#
# Key policy: the account's default one, which hands the decision to IAM. Only
# principals whose IAM policies name this key may use it: the module's two roles,
# and whoever you grant kms:Decrypt to restore with the CLI (keep that list short).
# Naming the roles in the key policy itself is not possible here, since KMS
# rejects a policy whose principals do not exist yet.
#
# Deleting this key makes every encrypted backup unreadable, for good: Terraform
# refuses to destroy it (prevent_destroy), and a deletion scheduled by hand waits
# 30 days, time to cancel it (`aws kms cancel-key-deletion`).
resource "aws_kms_key" "backups" {
  description             = "mongosafe client-side encryption of the momsrecipebox MongoDB backups"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.backups_key.json

  tags = {
    app = "momsrecipebox"
  }

  lifecycle {
    prevent_destroy = true
  }
}

data "aws_iam_policy_document" "backups_key" {
  #checkov:skip=CKV_AWS_109:A key policy, not an identity policy: its resource "*" is this key alone, and this is AWS's default key policy, which leaves who may use the key to IAM.
  #checkov:skip=CKV_AWS_111:A key policy, not an identity policy: its resource "*" is this key alone, and write access to it is granted by IAM policies that name the key.
  #checkov:skip=CKV_AWS_356:A key policy, not an identity policy: its resource "*" is this key alone (a key policy cannot name another resource).
  statement {
    sid       = "EnableIamPolicies"
    actions   = ["kms:*"]
    resources = ["*"] # in a key policy, "*" is this key

    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

module "mongodb_backup" {
  source = "../../modules/mongodb-backup"

  # The module creates its optional replica bucket with aws.replica. Without a
  # replica, or with one in this account, that is this same provider: the
  # replica's region is replica_region below, not the provider's.
  providers = {
    aws         = aws
    aws.replica = aws
  }

  name        = "mongodb-atlas-backup"
  bucket_name = "momsrecipebox-mongodb-backups-${data.aws_caller_identity.current.account_id}"

  mongodb_uri_secret_arn = data.aws_secretsmanager_secret.app.arn
  mongodb_uri_secret_key = "MONGODB_URI"
  databases              = ["momsrecipebox"]

  # Paths in file functions are read from the directory terraform runs in.
  lambda_zip_path = coalesce(var.lambda_zip_path, "${path.root}/../../../../dist/lambda.zip")

  schedule_expression = "cron(0 3 * * ? *)"
  schedule_timezone   = "UTC"

  transition_to_ia_days      = 30
  transition_to_glacier_days = 90
  expiration_days            = 365

  # Every archive encrypted under the key above; the drill (Sundays at 05:00 UTC,
  # after the night's backup) decrypts and restores the newest one into scratch
  # databases.
  # trimspace(): the module decides at plan time whether the drill gets a function
  # of its own, so Terraform must know then that this is not null. A new key's
  # bare .arn is unknown and might be null; a function's result is known not to be
  # (Terraform >= 1.6). Without it, plan fails with "Invalid count argument".
  client_side_kms_key_arn   = trimspace(aws_kms_key.backups.arn)
  drill_schedule_expression = "cron(0 5 ? * SUN *)"

  # Off here. Backups no one can erase for 30 days, not even the root user
  # (docs/aws.md, "Backups no one can erase"); try "GOVERNANCE" first, since a
  # COMPLIANCE lock can never be lifted or shortened:
  # object_lock_mode = "COMPLIANCE"
  # object_lock_days = 30

  # Off here. A copy of every backup in a second region (docs/aws.md, "A second
  # location"); prunes and expiries on this bucket are not replicated:
  # replica_region = "us-west-2"
  # For another account: configure a provider "aws" { alias = "replica" } with
  # credentials there, pass it as aws.replica above, and set
  # replica_account_id = "210987654321"

  alarm_email = var.alarm_email

  tags = {
    app = "momsrecipebox"
  }
}
