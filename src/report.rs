//! The facts decoded from one message: what kind of report it is, who wrote
//! it, and one [`RecipientStatus`] per recipient. Judging those facts is left
//! to the rules (`rules`), writing them to the sinks (`output`).

/// What a decoded message is, as the `kind` column shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A delivery failure (or a success report when the action says so).
    Bounce,
    /// A delay warning: the sender's server is still retrying.
    Delay,
    /// An ARF feedback report (a complaint).
    Feedback,
    /// An RFC 3834 automatic reply.
    AutoReply,
}

impl Kind {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Bounce => "bounce",
            Kind::Delay => "delay",
            Kind::Feedback => "feedback",
            Kind::AutoReply => "auto-reply",
        }
    }
}

/// Everything decoded from one message.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// How the report was decoded (`rfc3464`, `postfix`, `qmail`, ...).
    pub format: &'static str,
    /// The server that wrote the report.
    pub reporting_server: String,
    /// When the report says delivery failed, ISO 8601 UTC.
    pub date: String,
    /// The original sender.
    pub sender: String,
    /// Message-ID of the original message.
    pub message_id: String,
    /// Subject of the original message.
    pub subject: String,
    /// One entry per recipient, in the order the report lists them.
    pub recipients: Vec<RecipientStatus>,
}

/// What the report says about one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientStatus {
    /// What kind of report this recipient's entry is.
    pub kind: Kind,
    /// The address, lower-cased.
    pub recipient: String,
    /// `failed`, `delayed`, `delivered`, `relayed` or `expanded`.
    pub action: String,
    /// Enhanced status code as found (may be empty).
    pub status: String,
    /// SMTP reply code as found (may be empty).
    pub reply_code: String,
    /// The server that refused the message (may be empty).
    pub remote_server: String,
    /// The diagnostic text on one line.
    pub diagnostic: String,
    /// ARF feedback type, for feedback reports.
    pub feedback_type: String,
    /// The SMTP command the remote server's failure reply answered:
    /// `connect`, `helo`, `starttls`, `auth`, `mail`, `rcpt`, `data` (end
    /// of data included), or empty when the report does not say.
    pub command: &'static str,
}

impl RecipientStatus {
    /// A failed recipient with nothing else known yet.
    pub fn new(kind: Kind, recipient: &str) -> RecipientStatus {
        RecipientStatus {
            kind,
            recipient: recipient.trim().to_ascii_lowercase(),
            action: String::from(match kind {
                Kind::Delay => "delayed",
                Kind::Bounce => "failed",
                Kind::Feedback | Kind::AutoReply => "",
            }),
            status: String::new(),
            reply_code: String::new(),
            remote_server: String::new(),
            diagnostic: String::new(),
            feedback_type: String::new(),
            command: "",
        }
    }

    /// The domain part of the recipient address.
    pub fn recipient_domain(&self) -> &str {
        domain_of(&self.recipient)
    }
}

/// The domain part of `address`: what follows its last `@` (empty when it
/// has none).
pub fn domain_of(address: &str) -> &str {
    // After the last '@' (an ASCII byte: a char boundary follows it).
    memchr::memrchr(b'@', address.as_bytes())
        .map_or("", |at| &address[at + 1..])
}
