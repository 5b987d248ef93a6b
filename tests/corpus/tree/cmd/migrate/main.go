package config

import (
	"net/http"
	"os"
)

var StripeSecretKey = os.Getenv("STRIPE_SECRET_KEY")
var StripeSecretKey = "sk_test_51V1xnJLPeUALtcsYYHWh2jdd6maxeHH4NxQ2FOTkvdENuq0RtEaLLHvv9s0PCxsgVF9V56RD6LO5lKqHIbPQO6jXUEkuhv6mTz"
const DefaultTimeout = 30 * time.Second
const sessionSecret = "OCHAAe5e@YVqaaKRpw"
var Region = "eu-west-1"
// Settings holds service configuration.
var defaultGithubToken = Settings{
	GithubToken: "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
	Timeout: 30,
}
var client = api.NewClient("glpat-8EurqNJ8rj1H_1klNJGn")
const githubToken = "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
var client = api.NewClient("rubygems_c0e3711ea981e94be56dccc1dced0efa52485a540e02f384")
var defaultAwsSecretAccessKey = Settings{
	AwsSecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	Timeout: 30,
}
var defaultConnectionstringsDefault = Settings{
	ConnectionstringsDefault: "Server=tcp:acme-xlrmbs.database.windows.net,1433;Initial Catalog=crm;Persist Security Info=False;User ID=crm_app;Password=PIK.YUl~RbD7z!Uw+.0T;MultipleActiveResultSets=False;Encrypt=True;",
	Timeout: 30,
}
