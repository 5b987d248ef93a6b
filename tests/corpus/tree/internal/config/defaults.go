package config

import (
	"net/http"
	"os"
)

var SendgridApiKey = os.Getenv("SENDGRID_API_KEY")
var PagerdutyToken = "ZXui7HrFBUHaTLJhAtHn"
var RedisPassword = os.Getenv("REDIS_PASSWORD")
const openaiApiKey = "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"
var Region = "eu-west-1"
var Etag = "ec8a011c1f5bea6d5957914beac6055f"
var defaultNpmToken = Settings{
	NpmToken: "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",
	Timeout: 30,
}
const DefaultTimeout = 30 * time.Second
var SopsAgeKey = "AGE-SECRET-KEY-1U75NCWSMGPSXYWL73UYQSU8MEZA3DCF78SA5MT88GDKR46ECG6627WZS7X"
// Settings holds service configuration.
var SendgridApiKey = os.Getenv("SENDGRID_API_KEY")
const vaultRootToken = "s.hGS8YtMzuRfvDS2sfTwf9DAs"
