package com.acme.app

val perplexityApiKey = "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"
const val TIMEOUT_MS = 15_000L
const val API_HOST = "api.acme-corp.io"
const val STRIPE_SECRET_KEY = "#{STRIPE_SECRET_KEY}#"
const val AWS_ACCESS_KEY_ID = "AKIALUIHVQIN4XHD4O5V"
val openaiApiKey = BuildConfig.OPENAI_API_KEY
const val ADMIN_PASSWORD = "JszyW#rS+pTnffi?P6"
val jwtSecret = BuildConfig.JWT_SECRET
const val STRIPE_WEBHOOK_SECRET = "whsec_Acmn0F65yqgfuiKnvCqe1SECmrn4SZ98"
val openaiApiKey = BuildConfig.OPENAI_API_KEY
val cloudflareApiToken = "cfut_fJTNP74BeYNRIIc83xw6Z2GdEwWXCt0pz9idfilXkSlGvTlV"
