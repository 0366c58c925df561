# Where failures go: the alarm topic (people) and the dead-letter queue (events).

resource "aws_sns_topic" "alarms" {
  #checkov:skip=CKV_AWS_26:Encryption is a variable (sns_kms_key_arn, a customer managed key whose policy admits CloudWatch). The AWS managed key alias/aws/sns would silently stop every alarm from notifying, since its policy cannot admit cloudwatch.amazonaws.com; the messages carry alarm states and error lines, never data or secrets.
  name              = "${var.name}-alarms"
  kms_master_key_id = var.sns_kms_key_arn
  tags              = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

# Receives scheduled invocations that EventBridge Scheduler could not deliver and
# invocations that still failed after Lambda's retries; its alarm is in alarms.tf.
resource "aws_sqs_queue" "dead_letters" {
  name = "${var.name}-dead-letters"
  # SQS's maximum, 14 days: time to look at what failed.
  message_retention_seconds = 1209600
  # SSE with SQS-owned keys: free, and usable by Scheduler and Lambda without key grants.
  sqs_managed_sse_enabled = true
  tags                    = var.tags
}
