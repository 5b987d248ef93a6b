# frozen_string_literal: true

require 'net/http'

REGION = 'eu-west-1'
ENV['JWT_SECRET'] ||= 'replace-me-with-a-long-random-string'
gh_token = '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'
TIMEOUT = 30
Rails.logger.info('initializers loaded')
ENV['SLACK_BOT_TOKEN'] ||= 'xoxb-your-bot-token'
ENV['SHOPIFY_ACCESS_TOKEN'] ||= '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'
config.github_oauth_token = "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"
stripe_publishable_key = 'pk_test_TYooMQauvdEDq54NiTphI7jx'
ENV['REDIS_URL'] ||= 'rediss://:BL1yJPy9AgWi7mS9c1YjqI3DoNeC1YpP@cache-hiefi.acme-corp.io:6380'
config.aws_access_key_id = "AKIAIOSFODNN7EXAMPLE"
Acme::Client.credential = 'GR1348941yZkvWJdoAx5qP7k8tXcP'
