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

module "mongodb_backup" {
  source = "../../modules/mongodb-backup"

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

  alarm_email = var.alarm_email

  tags = {
    app = "momsrecipebox"
  }
}
