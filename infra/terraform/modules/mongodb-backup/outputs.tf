output "bucket_name" {
  description = "Name of the backup bucket."
  value       = aws_s3_bucket.backups.bucket
}

output "bucket_arn" {
  description = "ARN of the backup bucket."
  value       = aws_s3_bucket.backups.arn
}

output "destination" {
  description = "The mongosafe destination URL, for `mongosafe list --from ...` and `restore --from ...`."
  value       = local.destination
}

output "function_name" {
  description = "Name of the backup Lambda function (for `aws lambda invoke`)."
  value       = aws_lambda_function.this["backup"].function_name
}

output "function_arn" {
  description = "ARN of the backup Lambda function."
  value       = aws_lambda_function.this["backup"].arn
}

output "lambda_role_arn" {
  description = "ARN of the backup function's execution role."
  value       = aws_iam_role.lambda.arn
}

output "log_group_name" {
  description = "CloudWatch log group of the backup function."
  value       = aws_cloudwatch_log_group.lambda["backup"].name
}

output "drill_function_name" {
  description = "Name of the restore-drill function (client-side encryption with a drill schedule), or null when the backup function runs the drill."
  value       = try(aws_lambda_function.this["drill"].function_name, null)
}

output "drill_role_arn" {
  description = "ARN of the drill function's execution role (the one that may kms:Decrypt with client_side_kms_key_arn), or null."
  value       = try(aws_iam_role.drill[0].arn, null)
}

output "drill_log_group_name" {
  description = "CloudWatch log group of the drill function, or null."
  value       = try(aws_cloudwatch_log_group.lambda["drill"].name, null)
}

output "alarm_topic_arn" {
  description = "SNS topic that receives the alarms (subscribe more endpoints to it)."
  value       = aws_sns_topic.alarms.arn
}

output "dead_letter_queue_url" {
  description = "URL of the dead-letter queue for invocations that failed or were never delivered."
  value       = aws_sqs_queue.dead_letters.url
}

output "schedule_arn" {
  description = "ARN of the nightly backup schedule."
  value       = aws_scheduler_schedule.this["backup"].arn
}

output "drill_schedule_arn" {
  description = "ARN of the restore-drill schedule, or null when there is none."
  value       = try(aws_scheduler_schedule.this["drill"].arn, null)
}

output "secret_arn" {
  description = "ARN of the secret the function reads the connection string from."
  value       = local.secret_arn
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard of the nightly runs, or null when dashboard_enabled is false."
  value       = try(aws_cloudwatch_dashboard.this[0].dashboard_name, null)
}

output "dashboard_url" {
  description = "Console URL of the dashboard (this module's region), or null when dashboard_enabled is false."
  value       = try("https://${local.dashboard_region}.console.aws.amazon.com/cloudwatch/home?region=${local.dashboard_region}#dashboards/dashboard/${aws_cloudwatch_dashboard.this[0].dashboard_name}", null)
}
