# A picture of the nightly runs: one CloudWatch dashboard drawn from the metrics
# the handler (or the task) already writes (embedded metric format,
# src/lambda/metrics.ts: namespace "mongosafe", dimension FunctionName), Lambda's
# own Errors (runner = "lambda"), and the state of the alarms in alarms.tf. It emits nothing and changes no run.
# test/unit/infra/dashboard.test.ts evaluates the body below and checks that
# every metric it draws is one the handler emits.

locals {
  # Metric widgets must name their region.
  dashboard_region = local.region

  # The backup always runs as the "backup" job. The drill reports
  # VerifySucceeded and VerifyDurationSeconds under the name of the job that
  # runs it: the backup job, or "<name>-drill" when client-side encryption
  # gives the drill a job of its own (lambda.tf). A Fargate task writes the
  # same metrics under the same names (JOB_NAME, ecs.tf).
  dashboard_backup_function = local.jobs.backup.name
  dashboard_drill_function  = local.jobs[local.drill_function].name
  # Lambda functions only (AWS/Lambda Errors); none with runner = "fargate".
  dashboard_function_names = [for key in sort(keys(local.functions)) : local.functions[key].name]

  # Every alarm of the module, in the order alarms.tf declares them.
  dashboard_alarm_arns = concat(
    [for key in sort(keys(local.failure_alarms)) : aws_cloudwatch_metric_alarm.errors[key].arn],
    [aws_cloudwatch_metric_alarm.heartbeat.arn, aws_cloudwatch_metric_alarm.dead_letters.arn],
  )

  # One point per night: runs are daily (the drill weekly), so a day's period
  # shows each run as one point, and 30 days show a month of them.
  dashboard_period = 86400

  # The metric widgets, two to a row in this order; what they share is added below.
  dashboard_metric_widgets = [
    {
      title = "Backup size per night (archive bytes, compressed)"
      stat  = "Maximum"
      metrics = [
        [local.metric_namespace, "BackupBytes", "FunctionName", local.dashboard_backup_function, { label = "bytes" }],
      ]
    },
    {
      title = "Documents per night"
      stat  = "Maximum"
      metrics = [
        [local.metric_namespace, "BackupDocuments", "FunctionName", local.dashboard_backup_function, { label = "documents" }],
      ]
    },
    {
      # A task has no time limit.
      title = local.fargate ? "Duration per run (seconds)" : "Duration per run (seconds; the limit is 900)"
      stat  = "Maximum"
      metrics = [
        [local.metric_namespace, "BackupDurationSeconds", "FunctionName", local.dashboard_backup_function, { label = "backup" }],
        [local.metric_namespace, "VerifyDurationSeconds", "FunctionName", local.dashboard_drill_function, { label = "restore drill" }],
      ]
      # The handler gives up a minute before Lambda's 900 s: a run near the line needs more memory or fewer databases.
      annotations = { horizontal = local.fargate ? [] : [{ label = "Lambda timeout", value = 900 }] }
    },
    {
      # A failed run puts BackupSucceeded = 0, a complete one 1: the sum counts
      # successes, the sample count runs; Errors counts throws and timeouts,
      # including runs that died before writing any metric.
      title = "Backups: runs, successes, failures"
      metrics = concat(
        [
          [local.metric_namespace, "BackupSucceeded", "FunctionName", local.dashboard_backup_function, { stat = "SampleCount", label = "backup runs" }],
          [local.metric_namespace, "BackupSucceeded", "FunctionName", local.dashboard_backup_function, { stat = "Sum", label = "backups succeeded" }],
        ],
        [for name in local.dashboard_function_names : ["AWS/Lambda", "Errors", "FunctionName", name, { stat = "Sum", label = "errors: ${name}" }]],
      )
    },
    {
      title = "Restore drills: runs and successes"
      metrics = [
        [local.metric_namespace, "VerifySucceeded", "FunctionName", local.dashboard_drill_function, { stat = "SampleCount", label = "drills run" }],
        [local.metric_namespace, "VerifySucceeded", "FunctionName", local.dashboard_drill_function, { stat = "Sum", label = "drills passed" }],
      ]
    },
  ]

  dashboard_body = jsonencode({
    start = "-P30D"
    widgets = concat(
      [for i, widget in local.dashboard_metric_widgets : {
        type       = "metric"
        x          = (i % 2) * 12
        y          = floor(i / 2) * 6
        width      = 12
        height     = 6
        properties = merge({ region = local.dashboard_region, view = "timeSeries", period = local.dashboard_period, yAxis = { left = { min = 0 } } }, widget)
      }],
      [{
        type   = "alarm"
        x      = 12
        y      = floor(length(local.dashboard_metric_widgets) / 2) * 6
        width  = 12
        height = 6
        properties = {
          title  = "Alarms"
          alarms = local.dashboard_alarm_arns
        }
      }],
    )
  })
}

resource "aws_cloudwatch_dashboard" "this" {
  count = var.dashboard_enabled ? 1 : 0

  dashboard_name = var.name
  dashboard_body = local.dashboard_body
}
