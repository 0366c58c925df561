output "bucket_name" {
  description = "The backup bucket."
  value       = module.mongodb_backup.bucket_name
}

output "destination" {
  description = "For `mongosafe list --from ...`."
  value       = module.mongodb_backup.destination
}

output "replica_destination" {
  description = "The replica, for `mongosafe list --from ...` when the primary is lost (null: no replica)."
  value       = module.mongodb_backup.replica_destination
}

output "function_name" {
  description = "For `aws lambda invoke --function-name ...`."
  value       = module.mongodb_backup.function_name
}

output "log_group_name" {
  description = "For `aws logs tail ...`."
  value       = module.mongodb_backup.log_group_name
}

output "alarm_topic_arn" {
  description = "The alarm topic."
  value       = module.mongodb_backup.alarm_topic_arn
}

output "schedule_arn" {
  description = "The nightly schedule."
  value       = module.mongodb_backup.schedule_arn
}

output "drill_function_name" {
  description = "The restore-drill function, for `aws lambda invoke --function-name ...`."
  value       = module.mongodb_backup.drill_function_name
}

output "drill_log_group_name" {
  description = "For `aws logs tail ...` of the restore drill."
  value       = module.mongodb_backup.drill_log_group_name
}

output "backups_key_arn" {
  description = "The KMS key the backups are encrypted under: `mongosafe restore` needs kms:Decrypt on it."
  value       = aws_kms_key.backups.arn
}

output "dashboard_url" {
  description = "The CloudWatch dashboard of the nightly runs, to open in a browser."
  value       = module.mongodb_backup.dashboard_url
}
