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

output "replica_bucket_name" {
  description = "Name of the replica bucket (replica_region), or null without one."
  value       = try(aws_s3_bucket.replica[0].bucket, null)
}

output "replica_bucket_arn" {
  description = "ARN of the replica bucket, or null."
  value       = try(aws_s3_bucket.replica[0].arn, null)
}

output "replica_destination" {
  description = "The replica as a mongosafe destination (s3://<replica bucket>/<prefix>), for `mongosafe list --from ...` and `restore --from ...` when the primary is lost; null without a replica."
  value       = local.replicate ? trimsuffix("s3://${local.replica_bucket_name}/${local.key_prefix}", "/") : null
}

output "replication_role_arn" {
  description = "ARN of the role S3 replicates with (a replica key's policy in another account must let it kms:Encrypt), or null."
  value       = try(aws_iam_role.replication[0].arn, null)
}

output "function_name" {
  description = "Name of the backup Lambda function (for `aws lambda invoke`); null with runner = \"fargate\"."
  value       = try(aws_lambda_function.this["backup"].function_name, null)
}

output "function_arn" {
  description = "ARN of the backup Lambda function; null with runner = \"fargate\"."
  value       = try(aws_lambda_function.this["backup"].arn, null)
}

output "lambda_role_arn" {
  description = "ARN of the backup job's role: the function's execution role, or with runner = \"fargate\" the task role."
  value       = aws_iam_role.lambda.arn
}

output "log_group_name" {
  description = "CloudWatch log group of the backup job (/aws/lambda/<name>, or /ecs/<name> with runner = \"fargate\")."
  value       = local.fargate ? aws_cloudwatch_log_group.task["backup"].name : aws_cloudwatch_log_group.lambda["backup"].name
}

output "drill_function_name" {
  description = "Name of the restore-drill function (client-side encryption with a drill schedule), or null when the backup function runs the drill or with runner = \"fargate\"."
  value       = try(aws_lambda_function.this["drill"].function_name, null)
}

output "drill_role_arn" {
  description = "ARN of the drill job's role (the one that may kms:Decrypt with client_side_kms_key_arn), or null."
  value       = try(aws_iam_role.drill[0].arn, null)
}

output "drill_log_group_name" {
  description = "CloudWatch log group of the drill job (function or task), or null when the backup job runs the drill."
  value       = try(aws_cloudwatch_log_group.lambda["drill"].name, aws_cloudwatch_log_group.task["drill"].name, null)
}

output "cluster_arn" {
  description = "ARN of the ECS cluster the tasks run on; null with runner = \"lambda\"."
  value       = try(aws_ecs_cluster.this[0].arn, null)
}

output "task_definition_arn" {
  description = "ARN (with its revision) of the backup task definition, for `aws ecs run-task`; null with runner = \"lambda\"."
  value       = try(aws_ecs_task_definition.this["backup"].arn, null)
}

output "drill_task_definition_arn" {
  description = "ARN of the restore-drill task definition (client-side encryption with a drill schedule), or null."
  value       = try(aws_ecs_task_definition.this["drill"].arn, null)
}

output "task_execution_role_arn" {
  description = "ARN of the tasks' execution role (image pull, logs); null with runner = \"lambda\"."
  value       = try(aws_iam_role.task_execution[0].arn, null)
}

output "task_security_group_ids" {
  description = "Security groups of the tasks (the module's own, or security_group_ids); [] with runner = \"lambda\"."
  value       = local.security_group_ids
}

output "alarm_topic_arn" {
  description = "SNS topic that receives the alarms (subscribe more endpoints to it)."
  value       = aws_sns_topic.alarms.arn
}

output "dead_letter_queue_url" {
  description = "URL of the dead-letter queue for invocations (or RunTask calls) that failed or were never delivered."
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
  description = "ARN of the secret the job (function or task) reads the connection string from."
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
