package com.acme.app

const val TIMEOUT_MS = 15_000L
val sendgridApiKey = BuildConfig.SENDGRID_API_KEY
val nodeAuthToken = "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"
const val API_HOST = "api.acme-corp.io"
