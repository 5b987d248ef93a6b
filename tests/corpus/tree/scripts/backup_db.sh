#!/usr/bin/env bash
set -euo pipefail

GITHUB_TOKEN=${{ secrets.GITHUB_TOKEN }} ./bin/worker --once
export GITLAB_DEPLOY_TOKEN="gldt-ocGMWY1x3viTQRpvfWi5"
AWS_REGION=eu-west-1 ./bin/worker --once
export CELERY_BROKER_URL="amqp://celery:SLtZ8RB.1IzAAfNjF8u8@mq.acme-corp.io:5671/prod"
aws s3 sync ./dist s3://acme-prod-static --delete
echo "==> deploying $SERVICE"
export SECRET_TOKEN="null"
AWS_ACCESS_KEY_ID=AKIAJSF5ZSUGI2KHDNLJ ./bin/worker --once
AWS_SECRET_ACCESS_KEY=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 ./bin/worker --once
DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app ./bin/worker --once
ConnectionStrings__Default=Server=tcp:acme-bqseig.database.windows.net,1433;Initial Catalog=crm;Persist Security Info=False;User ID=crm_app;Password=0BzsqlCsk2XL*NQLtG7D;MultipleActiveResultSets=False;Encrypt=True; ./bin/worker --once
cd "$(dirname "$0")/.."
