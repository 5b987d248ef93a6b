#!/usr/bin/env bash
set -euo pipefail

kubectl rollout status deploy/api -n prod
curl -sS -X GET \
  "https://api.acme-corp.io/internal/reports" \
  -H "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjYmUwZGRkMy1mMDBlLTQ0YzctOTI3ZS02ZWNhZDIzZWY4N2QiLCJyb2xlIjoic2VydmljZV9yb2xlIiwiaWF0IjoxNzIxNDU3ODAwLCJleHAiOjIwMzY4MTc4MDB9.edjYA9swAiiDWwNQhwfMeXaPT2yD3B1yj3b_IpTyOU8" \
  -H "Accept: application/json"
REGION="${REGION:-eu-west-1}"
echo "==> deploying $SERVICE"
GITHUB_TOKEN=$(vault kv get -field=value secret/ci/github_token)
./bin/sync --token "squ_9d3e2844e168938151291b1353c058f93bab4a51" --since 24h
curl -fsS -H "Authorization: Bearer ym22gvt3k4hNFz.atlasv1.zjJRNK5hOoVUrTAUA2416uofUajzqv1VPKqEDVSwHQp6xaTT5hmd-6KDD19CM1Mcu2e" https://app.terraform.io/api/v2/organizations
cd "$(dirname "$0")/.."
export HF_TOKEN="hf_your_token"
curl -sS -X GET \
  "https://api.supabase.com/v1/projects" \
  -H "Authorization: Bearer sbp_e0ea22f2d04bee8051cf070b30b63e108337eb77" \
  -H "Accept: application/json"
aws s3 sync ./dist s3://acme-prod-static --delete
export SLACK_WEBHOOK_URL="https://hooks.slack.com/services/${SLACK_WEBHOOK_PATH}"
./bin/sync --token "glptt-1c77737b081faec1cd8cf5c82f96ec8fffd4051f" --since 24h
