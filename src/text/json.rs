//! The JSON notification layout: a sending service that reports bounces,
//! complaints and deliveries as a JSON document in the mail body (Amazon
//! SES, directly or wrapped in an SNS notification whose `Message` holds the
//! document as a string). This layout shares no shape with the others, so
//! it has its own reader; it only reads fields.

use serde_json::Value;

/// One recipient of a JSON notification.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notified {
    /// `bounce`, `complaint` or `delivery`.
    pub kind: &'static str,
    /// The address, lower-cased.
    pub address: String,
    /// `failed`, `delivered`, ... as the document says (may be empty).
    pub action: String,
    /// Enhanced status code (may be empty).
    pub status: String,
    /// The SMTP reply text (`smtp; 550 5.1.1 ...` without the type).
    pub diagnostic: String,
    /// The complaint's feedback type, for complaints.
    pub feedback_type: String,
    /// The server that wrote the report, without its `dsn;` type.
    pub reporting_mta: String,
}

/// Reads a notification from `text`, if it holds one.
pub fn notifications(text: &str) -> Vec<Notified> {
    let Some(start) = text.find('{') else { return Vec::new() };
    // Mail transport may have wrapped the long JSON lines.
    let joined = without_line_ends(&text[start..]);
    let mut stream =
        serde_json::Deserializer::from_str(&joined).into_iter::<Value>();
    let Some(Ok(mut doc)) = stream.next() else { return Vec::new() };
    if let Some(inner) = doc.get("Message").and_then(Value::as_str) {
        match serde_json::from_str::<Value>(inner) {
            Ok(v) => doc = v,
            Err(_) => return Vec::new(),
        }
    }
    let kind = doc
        .get("notificationType")
        .or_else(|| doc.get("eventType"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_lowercase();
    match kind.as_str() {
        "bounce" => bounced(&doc["bounce"]),
        "complaint" => complained(&doc["complaint"]),
        "delivery" => delivered(&doc["delivery"]),
        _ => Vec::new(),
    }
}

/// `text` without its CR and LF bytes, copied a run at a time.
fn without_line_ends(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for p in memchr::memchr2_iter(b'\r', b'\n', text.as_bytes()) {
        out.push_str(&text[from..p]);
        from = p + 1;
    }
    out.push_str(&text[from..]);
    out
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or_default().trim().to_string()
}

fn without_type(value: &str) -> String {
    match value.split_once(';') {
        Some((ty, rest)) if !ty.contains(' ') => rest.trim().to_string(),
        _ => value.trim().to_string(),
    }
}

fn bounced(b: &Value) -> Vec<Notified> {
    let mta = without_type(&text(b, "reportingMTA"));
    let list = b.get("bouncedRecipients").and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .map(|r| Notified {
            kind: "bounce",
            address: text(r, "emailAddress").to_ascii_lowercase(),
            action: text(r, "action").to_ascii_lowercase(),
            status: text(r, "status"),
            diagnostic: without_type(&text(r, "diagnosticCode")),
            reporting_mta: mta.clone(),
            ..Notified::default()
        })
        .filter(|n| n.address.contains('@'))
        .collect()
}

fn complained(c: &Value) -> Vec<Notified> {
    let feedback = text(c, "complaintFeedbackType").to_ascii_lowercase();
    let list = c.get("complainedRecipients").and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .map(|r| Notified {
            kind: "complaint",
            address: text(r, "emailAddress").to_ascii_lowercase(),
            feedback_type: feedback.clone(),
            ..Notified::default()
        })
        .filter(|n| n.address.contains('@'))
        .collect()
}

fn delivered(d: &Value) -> Vec<Notified> {
    let reply = text(d, "smtpResponse");
    let status = crate::codes::find_status(&reply).unwrap_or_default();
    let mta = without_type(&text(d, "reportingMTA"));
    let list = d.get("recipients").and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|a| Notified {
            kind: "delivery",
            address: a.trim().to_ascii_lowercase(),
            action: "delivered".into(),
            status: status.to_string(),
            diagnostic: reply.clone(),
            reporting_mta: mta.clone(),
            ..Notified::default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_ends_go_as_a_filter_of_characters_drops_them() {
        let pieces = ["{\"a\":", "\r", "\n", "\r\n", "é", "語", " ", "x"];
        for t in crate::codes::random_texts(&pieces, 43, 3000, 10) {
            let want: String =
                t.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
            assert_eq!(without_line_ends(&t), want, "{t:?}");
        }
    }

    #[test]
    fn reads_a_wrapped_bounce_notification() {
        let inner = r#"{"notificationType":"Bounce","bounce":{"bouncedRecipients":[{"emailAddress":"Gil@example.com","action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}],"reportingMTA":"dsn; out.example.org"}}"#;
        let outer =
            serde_json::json!({"Type": "Notification", "Message": inner});
        let body = format!("{}\n--\nunsubscribe here\n", outer);
        let n = notifications(&body);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].address, "gil@example.com");
        assert_eq!(n[0].diagnostic, "550 5.1.1 user unknown");
        assert_eq!(n[0].reporting_mta, "out.example.org");
    }

    #[test]
    fn reads_complaints_and_deliveries_and_ignores_other_json() {
        let c = r#"{"notificationType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"hu@example.com"}],"complaintFeedbackType":"abuse"}}"#;
        assert_eq!(notifications(c)[0].feedback_type, "abuse");
        let d = r#"{"notificationType":"Delivery","delivery":{"recipients":["iv@example.com"],"smtpResponse":"250 2.6.0 ok"}}"#;
        assert_eq!(notifications(d)[0].status, "2.6.0");
        assert!(notifications(r#"{"a": 1}"#).is_empty());
        assert!(notifications("no json here").is_empty());
    }
}
