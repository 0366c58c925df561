# Where failures go: the alarm topic (people) and the dead-letter queue (events).

resource "aws_sns_topic" "alarms" {
  #checkov:skip=CKV_AWS_26:Encryption is a variable (sns_kms_key_arn, a customer managed key whose policy admits CloudWatch). The AWS managed key alias/aws/sns would silently stop every alarm from notifying, since its policy cannot admit cloudwatch.amazonaws.com; the messages carry alarm states and error lines, never data or secrets.
  name              = "${var.name}-alarms"
  kms_master_key_id = var.sns_kms_key_arn
  tags              = var.tags
}

# runner = "fargate": the topic's own policy, since the stopped-task rule
# (alarms.tf) publishes as events.amazonaws.com, which only a topic policy can
# admit: that rule alone, and CloudWatch alarms of this account as the default
# policy this one replaces let them. The account's roles still publish through
# their IAM policies. An sns_kms_key_arn key's policy must then admit
# events.amazonaws.com as it admits cloudwatch.amazonaws.com.
data "aws_iam_policy_document" "alarms_topic" {
  count = local.fargate ? 1 : 0

  # Each service that may publish, and the one source it may publish for.
  dynamic "statement" {
    for_each = {
      CloudWatchAlarms = { service = "cloudwatch.amazonaws.com", test = "ArnLike", source = "arn:${data.aws_partition.current.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:*" }
      TaskFailedRule   = { service = "events.amazonaws.com", test = "ArnEquals", source = aws_cloudwatch_event_rule.task_failed[0].arn }
    }
    content {
      sid       = statement.key
      actions   = ["sns:Publish"]
      resources = [aws_sns_topic.alarms.arn]

      principals {
        type        = "Service"
        identifiers = [statement.value.service]
      }

      condition {
        test     = statement.value.test
        variable = "aws:SourceArn"
        values   = [statement.value.source]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [local.account_id]
      }
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  count = local.fargate ? 1 : 0

  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarms_topic[0].json
}

resource "aws_sns_topic_subscription" "email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

# Receives scheduled invocations (or RunTask calls) that EventBridge Scheduler
# could not deliver and invocations that still failed after Lambda's retries;
# its alarm is in alarms.tf.
resource "aws_sqs_queue" "dead_letters" {
  name = "${var.name}-dead-letters"
  # SQS's maximum, 14 days: time to look at what failed.
  message_retention_seconds = 1209600
  # SSE with SQS-owned keys: free, and usable by Scheduler and Lambda without key grants.
  sqs_managed_sse_enabled = true
  tags                    = var.tags
}
