//! Outgoing mail over SMTP (lettre). Only plain SMTP to a relay is
//! supported (`smtp://host:port`, typically a local MTA that does TLS
//! onwards); credentials are refused on an unencrypted connection.

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Message, Tokio1Executor};

use crate::config::MailConfig;
use crate::{AppError, AppResult};

/// A configured mail sender.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// Builds the sender from the configuration.
    pub fn from_config(config: &MailConfig) -> AppResult<Mailer> {
        let url = url::Url::parse(config.smtp_url.trim())
            .map_err(|e| AppError::BadRequest(format!("mail.smtp_url is not a URL: {e}")))?;
        if url.scheme() != "smtp" {
            return Err(AppError::BadRequest(
                "mail.smtp_url must be smtp://host:port (a relay; TLS is the relay's job)".into(),
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(AppError::BadRequest(
                "mail.smtp_url must not carry credentials over an unencrypted connection".into(),
            ));
        }
        let host = url
            .host_str()
            .ok_or_else(|| AppError::BadRequest("mail.smtp_url has no host".into()))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(url.port().unwrap_or(25))
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = config
            .from
            .parse::<Mailbox>()
            .map_err(|e| AppError::BadRequest(format!("mail.from is not an address: {e}")))?;
        Ok(Mailer { transport, from })
    }

    /// Sends a plain-text message to `to`.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let to: Mailbox = to
            .trim()
            .parse()
            .map_err(|e| format!("bad address {to}: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
