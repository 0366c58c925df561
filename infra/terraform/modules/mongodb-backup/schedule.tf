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

  # The nightly backup, and the optional restore drill: on the same job, or on
  # the drill job when there is one (lambda.tf, local.separate_drill).
  schedules = merge(
    {
      backup = {
        expression  = var.schedule_expression
        description = "mongosafe backup of ${var.name}"
        input       = local.backup_input
        function    = "backup"
        command     = local.backup_command
      }
    },
    var.drill_schedule_expression == null ? {} : {
      drill = {
        expression  = var.drill_schedule_expression
        description = "mongosafe restore drill (verify --deep) of ${var.name}"
        input       = local.drill_input
        function    = local.drill_function
        command     = local.drill_command
      }
    },
  )

  # runner = "fargate": the schedules call ECS RunTask through Scheduler's
  # universal target, whose input is the API request itself. The templated ECS
  # target (ecs_parameters) cannot override a container's command or
  # environment (hashicorp/terraform-provider-aws#34057), and SCHEDULED_TIME
  # is the run's idempotency key, as scheduledTime is the Lambda's.
  run_task_target = "arn:aws:scheduler:::aws-sdk:ecs:runTask"
  run_task_requests = {
    for key, schedule in local.schedules : key => {
      Cluster        = aws_ecs_cluster.this[0].arn
      TaskDefinition = aws_ecs_task_definition.this[schedule.function].arn
      LaunchType     = "FARGATE"
      NetworkConfiguration = {
        AwsvpcConfiguration = {
          Subnets        = var.subnet_ids
          SecurityGroups = local.security_group_ids
          AssignPublicIp = var.assign_public_ip ? "ENABLED" : "DISABLED"
        }
      }
      Overrides = {
        ContainerOverrides = [
          {
            Name        = local.container_name
            Command     = schedule.command
            Environment = [{ Name = "SCHEDULED_TIME", Value = "<aws.scheduler.scheduled-time>" }]
          },
        ]
      }
    } if local.fargate
  }
}

# EventBridge Scheduler, not a (legacy) scheduled rule: time zones, per-target
# retry policy and a dead-letter queue.
resource "aws_scheduler_schedule" "this" {
  #checkov:skip=CKV_AWS_297:The schedule holds no secret (its input is an action name and a time, or a RunTask request naming subnets); the AWS owned key that encrypts it by default suffices.
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
    arn      = local.fargate ? local.run_task_target : aws_lambda_function.this[each.value.function].arn
    role_arn = aws_iam_role.scheduler.arn
    input    = local.fargate ? jsonencode(local.run_task_requests[each.key]) : jsonencode(each.value.input)

    # Covers delivery only (Lambda accepting the invocation, or ECS the RunTask
    # call, e.g. when Fargate has no capacity): a failing Lambda run follows
    # Lambda's own retries, a failing task is not run again (alarms.tf).
    retry_policy {
      maximum_retry_attempts       = var.scheduler_retry_attempts
      maximum_event_age_in_seconds = var.scheduler_max_event_age_seconds
    }

    dead_letter_config {
      arn = aws_sqs_queue.dead_letters.arn
    }
  }
}
