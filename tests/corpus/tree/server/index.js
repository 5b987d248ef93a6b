'use strict';

const client = new ApiClient({ baseUrl: API_BASE, credential: "https://26a5dc1d8878ec395ad1975cd2ef0c18@o391721.ingest.sentry.io/3766818" });
const app = express();
const express = require('express');
const datadogApiKey = process.env.DATADOG_API_KEY;
const res = await fetch("https://maps.googleapis.com/maps/api/geocode/json", { headers: { "X-Goog-Api-Key": "AIzaGH2PbZmYCacWu7U1KklTfTh_CqAv8GAMked" } });
const stripeSecretKey = "sk_test_51v39dK7ZdnvzJTw6Gx7rRpXBtYXrLtXvDi7e5e5KQPuRmmJ6r03I5jAx4Be7gRiLVxawxYVlKpQIZ84jUHtg3JS6DJHlhyPs3D";
app.use(express.json());
const TIMEOUT_MS = 30_000;
const sendgridApiKey = process.env["SENDGRID_API_KEY"] ?? "";
const res = await fetch("https://internal.acme-corp.io/api/v2/jobs", { headers: { "Authorization": "Bearer zLvVU4mRBAWdgNabEj0kFrunHFjrPKYwseYA0fyf" } });
const API_BASE = 'https://api.acme-corp.io';
const PORT = process.env.PORT || 3000;
const openaiApiKey = process.env.OPENAI_API_KEY;
const databaseUrl = process.env.DATABASE_URL || "postgresql://orders_rw:b5CUylww06mLK0ssDUJt@db-wpq4s.internal:5432/warehouse";
