# Three kinds of alarm to the topic: a run failed (one alarm per function, or
# with runner = "fargate" per schedule, plus a rule on failed tasks), no
# backup succeeded for too long, and an invocation was dead-lettered (never ran,
# or failed after its retries).

locals {
  # What a failed run looks like, one alarm per job so that its name says what
  # failed (the nightly backup or the drill) and where to read why. A Lambda
  # function: AWS/Lambda Errors (the handler threw or timed out). A task has
  # no Errors: the BackupSucceeded (or VerifySucceeded) = 0 that a run which
  # fails cleanly writes, per schedule; a task that dies before it can write it
  # is caught by the rule further down.
  failure_alarms = local.fargate ? local.task_failure_alarms : local.function_failure_alarms

  function_failure_alarms = {
    for key, fn in local.functions : key => {
      name        = "${fn.name}-errors"
      description = "A mongosafe run of ${fn.name} failed (the handler threw or timed out). See the log group /aws/lambda/${fn.name}."
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      job         = fn.name
      statistic   = "Sum"
      comparison  = "GreaterThanOrEqualToThreshold"
    }
  }

  task_failure_alarms = {
    for key, schedule in local.schedules : key => {
      name        = "${var.name}-${key}-failed"
      description = "A mongosafe ${key == "backup" ? "backup" : "restore drill"} task of ${var.name} failed. See the log group /ecs/${local.jobs[schedule.function].name}."
      namespace   = local.metric_namespace
      metric      = key == "backup" ? "BackupSucceeded" : "VerifySucceeded"
      job         = local.jobs[schedule.function].name
      statistic   = "Minimum"
      comparison  = "LessThanThreshold"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  for_each = local.failure_alarms

  alarm_name        = each.value.name
  alarm_description = each.value.description

  namespace   = each.value.namespace
  metric_name = each.value.metric
  dimensions = {
    FunctionName = each.value.job
  }
  statistic           = each.value.statistic
  period              = 300
  evaluation_periods  = 1
  comparison_operator = each.value.comparison
  threshold           = 1
  # No run is not a failure; the heartbeat alarm covers runs that never happen.
  treat_missing_data = "notBreaching"

  alarm_actions = [aws_sns_topic.alarms.arn]
  tags          = var.tags
}

moved {
  from = aws_cloudwatch_metric_alarm.errors
  to   = aws_cloudwatch_metric_alarm.errors["backup"]
}

# The handler (or the task, under its JOB_NAME) emits BackupSucceeded = 1
# (embedded metric format, namespace "mongosafe", dimension set
# [["FunctionName"]]) after each complete backup.
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
    # The backup job's name: the function's, or the task's JOB_NAME (ecs.tf).
    FunctionName = local.jobs.backup.name
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

# ---------------------------------------------------------------- runner = "fargate"

# Every task of this module's cluster that stopped other than by its container
# exiting 0: a non-zero exit code, no exit code at all (the container never ran:
# image pull failure, a bad role), or any stop but the container's own exit
# (killed, out of memory, stopped by hand). To the alarm topic, as a readable line.
resource "aws_cloudwatch_event_rule" "task_failed" {
  count = local.fargate ? 1 : 0

  name        = "${var.name}-task-failed"
  description = "mongosafe: a task of ${var.name} stopped without succeeding"

  event_pattern = jsonencode({
    source        = ["aws.ecs"]
    "detail-type" = ["ECS Task State Change"]
    detail = {
      clusterArn        = [aws_ecs_cluster.this[0].arn]
      lastStatus        = ["STOPPED"]
      taskDefinitionArn = [for t in aws_ecs_task_definition.this : { prefix = "${t.arn_without_revision}:" }]
      "$or" = [
        { containers = { exitCode = [{ "anything-but" = 0 }] } },
        { containers = { exitCode = [{ exists = false }] } },
        { stopCode = [{ "anything-but" = "EssentialContainerExited" }] },
      ]
    }
  })

  tags = var.tags
}

resource "aws_cloudwatch_event_target" "task_failed" {
  count = local.fargate ? 1 : 0

  rule = aws_cloudwatch_event_rule.task_failed[0].name
  arn  = aws_sns_topic.alarms.arn

  input_transformer {
    input_paths = {
      group    = "$.detail.group"
      task     = "$.detail.taskArn"
      stopCode = "$.detail.stopCode"
      reason   = "$.detail.stoppedReason"
      exitCode = "$.detail.containers[0].exitCode"
    }
    input_template = "\"mongosafe: the task <group> of ${var.name} failed (stop code <stopCode>, exit code <exitCode>): <reason>. Task <task>; its output is in ${join(" or ", [for g in aws_cloudwatch_log_group.task : g.name])}.\""
  }
}
