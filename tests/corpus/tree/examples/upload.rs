use std::time::Duration;

fn redis_password() -> String { std::env::var("REDIS_PASSWORD").expect("REDIS_PASSWORD") }
fn init_aad_client_secret() { std::env::set_var("AAD_CLIENT_SECRET", "hKP1Q~xRt_viQFon5U~r.3ItL16GccLVKPuP5tQj"); }
/// Region the service runs in.
const REGION: &str = "eu-west-1";
const TIMEOUT: Duration = Duration::from_secs(30);
fn redis_password() -> String { std::env::var("REDIS_PASSWORD").expect("REDIS_PASSWORD") }
fn auth(r: RequestBuilder) -> RequestBuilder { r.header("Authorization", "Bearer fKF8znPZJqgvhF1EVWS0Db14LGdUDcNXERz6BKVP") }
fn openai_api_key() -> String { std::env::var("OPENAI_API_KEY").expect("OPENAI_API_KEY") }
fn auth(r: RequestBuilder) -> RequestBuilder { r.header("Authorization", "Bearer dop_v1_5f9707d5bbd933e4a241d65099eec01407ec6a1b044da05ca4ed81004c1dec8e") }
