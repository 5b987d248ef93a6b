# Production values. Do not commit real secrets (see README) -- oops.
region          = "eu-west-1"
environment     = "prod"
db_username     = "orders_admin"
db_password     = "Tfv4rs-0rders!db"
# db_password   = "previous-one"
db_password_secret_arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:orders-db"

cloudflare_zone_id   = "3f1c9e0a7b2d4c6e8f0a1b2c3d4e5f60"
cloudflare_api_token = "cf-Zq8xL2mV7pRw4Tn9Bc6Yd1Hf3Js"

redis = {
  node_type  = "cache.t4g.small"
  port       = 6379
  auth_token = "R3dis-auth-T0k3n-9q"
}

github_token = "${GITHUB_TOKEN}"

tags = {
  team  = "orders"
  owner = "platform@acme.test"
}
