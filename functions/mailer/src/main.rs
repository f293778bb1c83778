//! `mailer`: delivers the outbox. Fed by the table's stream (outbox items as they are written)
//! and by SNS (SES's bounce and complaint events); never behind the HTTP API.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mailer::run().await
}
