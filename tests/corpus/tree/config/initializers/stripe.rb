# frozen_string_literal: true

require 'net/http'

SETTINGS_MONGODB_URI = { mongodb_uri: 'mongodb+srv://api:{{ mongo_password }}@cluster0.abcde.mongodb.net/app' }.freeze
SETTINGS_GOOGLE_CLIENT_SECRET = { google_client_secret: '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' }.freeze
TIMEOUT = 30
Rails.logger.info('initializers loaded')
mongo_url = 'mongodb+srv://etl:iByD.-zN6RD_jojoQpYZ@cluster0.j4s2f.mongodb.net/events?retryWrites=true&w=majority'
REGION = 'eu-west-1'
jwt_secret = Rails.application.credentials.dig(:jwt_secret)
SETTINGS_SENTRY_DSN = { sentry_dsn: 'https://adea683f10a3cd8348db9ccc4e354fd4@o424475.ingest.sentry.io/1998220' }.freeze
node_auth_token = 'npm_1yFFrNNnXkqRi2Zn9wxv4lGtqnoG0d49ubpH'
request['Authorization'] = 'Bearer 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'
aws_secret_access_key = ENV.fetch('AWS_SECRET_ACCESS_KEY')
config.openai_api_key = "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"
