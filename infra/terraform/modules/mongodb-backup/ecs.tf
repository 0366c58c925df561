# runner = "fargate": each job as an ECS Fargate task definition on a cluster of
# its own, run by the schedules (schedule.tf) with RunTask. The same environment,
# roles and metrics as the Lambda functions (lambda.tf), so that the bucket, the
# alarms and the dashboard do not care which runner wrote a backup. No Lambda
# limit: a run may take hours and spool up to 200 GiB.
#
# Container contract: the mongosafe image runs `node /app/mongosafe.mjs` as uid
# 65532; `job` backs up, verifies and prunes, `job verify --deep` is the drill;
# it writes JSON log lines and one EMF line to stdout, and exits non-zero on
# failure (alarms.tf watches both).

locals {
  # The jobs as task definitions; empty with runner = "lambda".
  tasks = local.fargate ? local.jobs : {}

  # The one container of a task, and what it runs: the schedules pass these as
  # overrides (schedule.tf), and each task definition defaults to its own job.
  container_name = "mongosafe"
  backup_command = ["job"]
  drill_command  = ["job", "verify", "--deep"]
  task_commands  = { backup = local.backup_command, drill = local.drill_command }

  # An image in ECR (<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@digest]):
  # the execution role may pull from that repository only. null for any other
  # registry, which must then be public (no pull credentials are configured).
  ecr_image          = try(regex("^(?P<account>[0-9]{12})\\.dkr\\.ecr\\.(?P<region>[a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?/(?P<repository>[^:@]+)", var.container_image), null)
  ecr_repository_arn = local.ecr_image == null ? null : "arn:${data.aws_partition.current.partition}:ecr:${local.ecr_image.region}:${local.ecr_image.account}:repository/${local.ecr_image.repository}"

  # The module's own security group unless the caller gives some.
  create_security_group = local.fargate && var.security_group_ids == null
  security_group_ids    = local.create_security_group ? [aws_security_group.task[0].id] : (var.security_group_ids == null ? [] : var.security_group_ids)

  # Each task definition's one container (test/unit/infra evaluates these).
  container_definitions = {
    for key, job in local.tasks : key => [
      {
        name      = local.container_name
        image     = var.container_image
        essential = true
        command   = local.task_commands[key]
        # The image's non-root user (distroless "nonroot"), stated here too so
        # that an image built without USER still never runs as root.
        user                   = "65532"
        readonlyRootFilesystem = true
        mountPoints = [
          { sourceVolume = "tmp", containerPath = "/tmp", readOnly = false },
        ]
        # The Lambda's environment (no connection string: the job reads
        # MONGODB_URI_SECRET with the task role), plus what Lambda would set:
        # JOB_NAME is the FunctionName dimension of the metrics (alarms.tf).
        environment = [
          for name, value in merge(local.job_env, { JOB_NAME = job.name, AWS_REGION = local.region }) : { name = name, value = value }
        ]
        logConfiguration = {
          logDriver = "awslogs"
          options = {
            awslogs-group         = aws_cloudwatch_log_group.task[key].name
            awslogs-region        = local.region
            awslogs-stream-prefix = local.container_name
          }
        }
      },
    ]
  }
}

data "aws_partition" "current" {}

resource "aws_ecs_cluster" "this" {
  count = local.fargate ? 1 : 0

  name = var.name

  # CPU, memory and storage per task: whether task_cpu, task_memory and
  # task_ephemeral_storage_gib fit the data. Billed as custom metrics only for
  # the hours a task runs.
  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  tags = var.tags
}

# One per task definition, like the functions' /aws/lambda/<name>: the awslogs
# driver writes there with the execution role, and CloudWatch extracts the EMF
# metrics (BackupSucceeded, ...) from it as it does from Lambda's logs.
resource "aws_cloudwatch_log_group" "task" {
  #checkov:skip=CKV_AWS_338:Retention is a variable (log_retention_days, default 90): the logs hold run summaries, while the backups' own record is the manifests in S3.
  #checkov:skip=CKV_AWS_158:The logs carry no data and no secret (mongosafe redacts connection strings before logging); the service's default encryption at rest applies.
  for_each = local.tasks

  name              = "/ecs/${each.value.name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_ecs_task_definition" "this" {
  for_each = local.tasks

  family                   = each.value.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = tostring(var.task_cpu)
  memory                   = tostring(var.task_memory)

  # The job's role (iam.tf): the very policy the Lambda function would have,
  # secret included. The execution role only pulls the image and writes logs.
  task_role_arn      = each.value.role_arn
  execution_role_arn = aws_iam_role.task_execution[0].arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.task_cpu_architecture
  }

  # Beyond Fargate's free 20 GiB only when asked: the spool (/tmp) lives here.
  dynamic "ephemeral_storage" {
    for_each = var.task_ephemeral_storage_gib == null ? [] : [var.task_ephemeral_storage_gib]
    content {
      size_in_gib = ephemeral_storage.value
    }
  }

  # The root filesystem is read-only; the job spools to /tmp, a task volume on
  # the ephemeral storage.
  volume {
    name = "tmp"
  }

  container_definitions = jsonencode(local.container_definitions[each.key])

  tags = var.tags
}

# ---------------------------------------------------------------- network

data "aws_subnet" "task" {
  count = local.create_security_group ? 1 : 0

  id = var.subnet_ids[0]
}

# Nothing connects to a task; it connects out, to the AWS APIs and the registry
# (443) and to MongoDB (egress_tcp_ports), and to nothing else.
resource "aws_security_group" "task" {
  #checkov:skip=CKV2_AWS_5:It is attached at run time: the schedules' RunTask requests name it (schedule.tf, NetworkConfiguration), which checkov cannot follow.
  count = local.create_security_group ? 1 : 0

  name        = "${var.name}-task"
  description = "mongosafe tasks of ${var.name}: no inbound traffic, outbound TCP to the AWS APIs and MongoDB only"
  vpc_id      = data.aws_subnet.task[0].vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_egress_rule" "task" {
  for_each = local.create_security_group ? toset([for port in var.egress_tcp_ports : tostring(port)]) : toset([])

  security_group_id = aws_security_group.task[0].id
  description       = "mongosafe: outbound TCP ${each.value} (AWS APIs and registry on 443, MongoDB on its ports)"
  ip_protocol       = "tcp"
  from_port         = tonumber(each.value)
  to_port           = tonumber(each.value)
  cidr_ipv4         = "0.0.0.0/0"
  tags              = var.tags
}
