terraform {
  # Variable validations that read other variables need Terraform 1.9 (OpenTofu 1.8).
  required_version = ">= 1.9.0"

  required_providers {
    # The AWS provider only: every other provider (archive, random, null, time)
    # would be one more binary to fetch. The Lambda zip is built by
    # `npm run package:lambda` and hashed with the built-in filebase64sha256().
    #
    # 6.20 is the first release whose changelog lists the nodejs24.x runtime,
    # one of the two runtimes `var.runtime` accepts; 5.x is not supported (its
    # nodejs22.x support date is unclear and 6.x changed region handling).
    #
    # aws.replica: the replica bucket's provider (replication.tf). Every caller
    # passes it, with replication or without: providers = { aws = aws,
    # aws.replica = aws } for this account (the replica's region comes from
    # replica_region, not from the provider), or a provider configured for the
    # replica account when replica_account_id is set.
    aws = {
      source                = "hashicorp/aws"
      version               = ">= 6.20, < 7.0"
      configuration_aliases = [aws.replica]
    }
  }
}
