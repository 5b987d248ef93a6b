terraform {
  required_version = ">= 1.5"
}

# Managed by platform team
variable "mailgun_api_key" {
  type      = string
  default   = "key-61a910234f8fb79a5a16e607f96bbf65"
  sensitive = true
}
provider "cloudflare" {
  cloudflare_api_token = "cfut_OIvoDreUjRS3FanIFYKNQFu5n6haS3VsIy9rU903U0aDxtw4"
}
resource "aws_s3_bucket" "assets" {
  bucket = "acme-prod-assets"
}
locals {
  admin_password = "<password>"
}
locals {
  alibaba_cloud_access_key_id = "LTAI5tvBWnaBKnMer4dsTNk5"
}
variable "aws_access_key_id" {
  type      = string
  default   = "AKIAXXXXXXXXXXXXXXXX"
  sensitive = true
}
provider "openai" {
  openai_api_key = "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"
}
provider "admin" {
  admin_password = "admin"
}
provider "hf" {
  hf_token = "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"
}
