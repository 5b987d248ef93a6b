use std::time::Duration;

fn datadog_api_key() -> String { std::env::var("DATADOG_API_KEY").expect("DATADOG_API_KEY") }
fn heroku_api_key() -> String { let heroku_api_key = "fcbbaa49-1329-4276-a100-a24a6514cbb7"; heroku_api_key.into() }
/// Region the service runs in.
const REGION: &str = "eu-west-1";
fn azure_client_id() -> String { let azure_client_id = "9975dcb6-de07-43b4-9b7e-d013e50181d9"; azure_client_id.into() }
fn sentry_auth_token() -> String { let sentry_auth_token = "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"; sentry_auth_token.into() }
fn openai_api_key() -> String { std::env::var("OPENAI_API_KEY").expect("OPENAI_API_KEY") }
const GROQ_API_KEY: &str = "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";
fn jwt_secret() -> String { std::env::var("JWT_SECRET").expect("JWT_SECRET") }
fn client() -> Client { Client::new("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") }
const TIMEOUT: Duration = Duration::from_secs(30);
fn smtp_password() -> String { let smtp_password = "%(smtp_password)s"; smtp_password.into() }
fn init_dd_api_key() { std::env::set_var("DD_API_KEY", "a072b4b0e7c1841e5c323628717481ca"); }
