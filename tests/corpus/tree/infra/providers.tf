terraform {
  required_version = ">= 1.5"
}

resource "aws_s3_bucket" "assets" {
  bucket = "acme-prod-assets"
}
# Managed by platform team
locals {
  mongodb_uri = "mongodb+srv://api:{{ mongo_password }}@cluster0.abcde.mongodb.net/app"
}
variable "github_installation_token" {
  type      = string
  default   = "ghs_6Ye2aeQ3vGlZmOz7Gi7wEHNfBINCKe3yuuWE"
  sensitive = true
}
module "svc_stripe_secret_key" {
  source = "./modules/svc"
  stripe_secret_key = var.stripe_secret_key
}
locals {
  grafana_token = "glsa_3Myn78iTcNKNXSZS9wjQzsedNlnGbOF3_013a2f6d"
}
provider "openai" {
  openai_api_key = "sk-your-openai-key"
}
variable "node_auth_token" {
  type      = string
  default   = "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"
  sensitive = true
}
module "svc_redis_password" {
  source = "./modules/svc"
  redis_password = var.redis_password
}
locals {
  linear_api_key = "lin_api_0ZPv5TNbB53UrHVQaogSWNz9W784hMsKc2cIa06O"
}
