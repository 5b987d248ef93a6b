package config

import (
	"net/http"
	"os"
)

// Settings holds service configuration.
var defaultNpmToken = Settings{
	NpmToken: "npm_wjSLou37acBh3pgzgIjnkKiDXw0LrY1f0iKd",
	Timeout: 30,
}
func authorize(req *http.Request) { req.Header.Set("Authorization", "Bearer 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") }
const DefaultTimeout = 30 * time.Second
const npmToken = "npm_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
var defaultSlackWebhookUrl = Settings{
	SlackWebhookUrl: "https://hooks.slack.com/services/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",
	Timeout: 30,
}
var Region = "eu-west-1"
var defaultAwsSecretAccessKey = Settings{
	AwsSecretAccessKey: "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
	Timeout: 30,
}
var client = api.NewClient("pypi-AgEIcHlwaS5vcmcR7NmmfMbXp-soTwK-jned2FCG--KDJ2Ca0_gXhT8S-SWTsqHXd-e8z2HAtxqXYVVmC8hn5L59oPWd59LpKeuTMqKy9zvo94J_Jycl50Gwr_8ZRI9mRkI2YprhvITcKmsm6dBD2zuvIxmJ_s7hCanlpJjQJRoq9_s")
