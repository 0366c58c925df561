locals {
  # What the handler receives. EventBridge Scheduler fills in scheduledTime, which
  # lets the handler recognise a retry of a run it has already completed.
  backup_input = {
    action        = "backup"
    scheduledTime = "<aws.scheduler.scheduled-time>"
  }
  drill_input = {
    action        = "verify"
    deep          = true
    scheduledTime = "<aws.scheduler.scheduled-time>"
  }

  # The nightly backup, and the optional restore drill: on the same function, or
  # on the drill function when there is one (lambda.tf, local.separate_drill).
  schedules = merge(
    {
      backup = {
        expression  = var.schedule_expression
        description = "mongosafe backup of ${var.name}"
        input       = local.backup_input
        function    = "backup"
      }
    },
    var.drill_schedule_expression == null ? {} : {
      drill = {
        expression  = var.drill_schedule_expression
        description = "mongosafe restore drill (verify --deep) of ${var.name}"
        input       = local.drill_input
        function    = local.drill_function
      }
    },
  )
}

# EventBridge Scheduler, not a (legacy) scheduled rule: time zones, per-target
# retry policy and a dead-letter queue.
resource "aws_scheduler_schedule" "this" {
  #checkov:skip=CKV_AWS_297:The schedule holds no secret (its input is an action name and a time); the AWS owned key that encrypts it by default suffices.
  for_each = local.schedules

  name        = "${var.name}-${each.key}"
  description = each.value.description
  state       = var.schedule_enabled ? "ENABLED" : "DISABLED"

  schedule_expression          = each.value.expression
  schedule_expression_timezone = var.schedule_timezone

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_function.this[each.value.function].arn
    role_arn = aws_iam_role.scheduler.arn
    input    = jsonencode(each.value.input)

    # Covers delivery to Lambda only; a failing run follows Lambda's own retries.
    retry_policy {
      maximum_retry_attempts       = var.scheduler_retry_attempts
      maximum_event_age_in_seconds = var.scheduler_max_event_age_seconds
    }

    dead_letter_config {
      arn = aws_sqs_queue.dead_letters.arn
    }
  }
}
