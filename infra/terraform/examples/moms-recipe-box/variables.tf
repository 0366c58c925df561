variable "region" {
  description = "AWS region to deploy into (the secret moms-recipe-secrets must be in it)."
  type        = string
  default     = "us-east-1"
}

variable "alarm_email" {
  description = "Where the alarms go; confirm the subscription from the email AWS sends."
  type        = string
  default     = null
}

variable "lambda_zip_path" {
  description = "The bundle from `npm run package:lambda`; null = dist/lambda.zip of this repository."
  type        = string
  default     = null
}
