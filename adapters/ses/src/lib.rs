//! SES v2 adapter: sends the mails of the outbox for the `mailer` function. The SDK retries
//! throttling with backoff; a mail that still fails comes back as an error that says whether
//! trying again can succeed.

use async_trait::async_trait;
use aws_sdk_sesv2::error::{DisplayErrorContext, SdkError};
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use aws_sdk_sesv2::Client;

use shared::ports::{Mail, MailError, Mailer};

pub struct SesMailer {
    client: Client,
    from: String,
    configuration_set: Option<String>,
}

impl SesMailer {
    pub fn new(client: Client, from: impl Into<String>, configuration_set: Option<String>) -> Self {
        SesMailer { client, from: from.into(), configuration_set }
    }
}

fn content(data: &str) -> Result<Content, MailError> {
    Content::builder()
        .data(data)
        .charset("UTF-8")
        .build()
        .map_err(|e| MailError::permanent(e.to_string()))
}

/// What a refusal of SES means for the mailer: throttling and quotas are waited out; a rejected
/// message, a bad request or an unknown configuration cannot succeed again; anything else
/// (time-outs, connections, 5xx) is tried again later.
fn classify(error: SdkError<SendEmailError>) -> MailError {
    let message = DisplayErrorContext(&error).to_string();
    let Some(service) = error.as_service_error() else {
        return MailError::transient(message);
    };
    match service {
        SendEmailError::TooManyRequestsException(_) | SendEmailError::LimitExceededException(_) => {
            MailError::throttled(message)
        }
        SendEmailError::MessageRejected(_)
        | SendEmailError::BadRequestException(_)
        | SendEmailError::NotFoundException(_)
        | SendEmailError::MailFromDomainNotVerifiedException(_) => MailError::permanent(message),
        _ => MailError::transient(message),
    }
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, mail: &Mail) -> Result<String, MailError> {
        let message = Message::builder()
            .subject(content(&mail.subject)?)
            .body(Body::builder().text(content(&mail.text)?).html(content(&mail.html)?).build())
            .build();
        let sent = self
            .client
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(&mail.to).build())
            .content(EmailContent::builder().simple(message).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .map_err(classify)?;
        Ok(sent.message_id().unwrap_or_default().to_string())
    }
}
