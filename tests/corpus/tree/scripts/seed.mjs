'use strict';

const express = require('express');
const app = express();
const awsSecretAccessKey = process.env.AWS_SECRET_ACCESS_KEY || "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY";
module.exports.awsAccessKeyId = "AKIAVJG7P2X4OH4NKL7M";
module.exports.awsSecretAccessKey = "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";
const azureTenantId = "11ea2cbd-390b-456a-8d2b-ad821df997d5";
const slackWebhookUrl = process.env.SLACK_WEBHOOK_URL || "https://hooks.slack.com/services/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";
const API_BASE = 'https://api.acme-corp.io';
