# Three kinds of alarm to the topic: a run failed (one alarm per function), no
# backup succeeded for too long, and an invocation was dead-lettered (never ran,
# or failed after its retries).

# One per function, so that the alarm names what failed (the nightly backup or
# the drill) and points at the right log group.
resource "aws_cloudwatch_metric_alarm" "errors" {
  for_each = aws_lambda_function.this

  alarm_name        = "${each.value.function_name}-errors"
  alarm_description = "A mongosafe run of ${each.value.function_name} failed (the handler threw or timed out). See the log group ${aws_cloudwatch_log_group.lambda[each.key].name}."

  namespace   = "AWS/Lambda"
  metric_name = "Errors"
  dimensions = {
    FunctionName = each.value.function_name
  }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  # No invocation is not an error; the heartbeat alarm covers runs that never happen.
  treat_missing_data = "notBreaching"

  alarm_actions = [aws_sns_topic.alarms.arn]
  tags          = var.tags
}

moved {
  from = aws_cloudwatch_metric_alarm.errors
  to   = aws_cloudwatch_metric_alarm.errors["backup"]
}

# The handler emits BackupSucceeded = 1 (embedded metric format, namespace
# "mongosafe", dimension set [["FunctionName"]]) after each complete backup.
# Missing data counts as breaching, so a backup that never ran, a schedule that
# was deleted and a handler that crashed before its metrics all raise it.
#
# One-hour periods rather than one day: CloudWatch windows slide, and a single
# 24-hour period would alarm whenever two nightly runs end more than 24 h apart.
# With N one-hour periods that must all breach, it fires N hours after the last
# success. It is in ALARM from creation until the first backup succeeds.
resource "aws_cloudwatch_metric_alarm" "heartbeat" {
  alarm_name        = "${var.name}-backup-heartbeat"
  alarm_description = "No mongosafe backup of ${var.name} has succeeded for ${var.heartbeat_max_age_hours} hours."

  namespace   = local.metric_namespace
  metric_name = "BackupSucceeded"
  dimensions = {
    FunctionName = aws_lambda_function.this["backup"].function_name
  }
  statistic           = "Sum"
  period              = 3600
  evaluation_periods  = var.heartbeat_max_age_hours
  datapoints_to_alarm = var.heartbeat_max_age_hours
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"

  alarm_actions = [aws_sns_topic.alarms.arn]
  # "Backups are back" is worth an email too.
  ok_actions = [aws_sns_topic.alarms.arn]
  tags       = var.tags
}

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  alarm_name        = "${var.name}-dead-letters"
  alarm_description = "An invocation of ${var.name} was dead-lettered to ${aws_sqs_queue.dead_letters.name}: read the message to see which run and why."

  namespace   = "AWS/SQS"
  metric_name = "ApproximateNumberOfMessagesVisible"
  dimensions = {
    QueueName = aws_sqs_queue.dead_letters.name
  }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  treat_missing_data  = "notBreaching"

  alarm_actions = [aws_sns_topic.alarms.arn]
  tags          = var.tags
}
