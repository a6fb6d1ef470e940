//! The address of a message's top-level `From`, read by mail-parser's
//! address reader when first asked for: most messages are reports whose
//! decoding never asks.

use std::cell::OnceCell;

use mail_parser::parsers::MessageStream;

use super::first_address;

/// The address of the top-level `From` (empty when there is none).
#[derive(Debug, Default)]
pub struct Sender {
    /// The field's value as the message gives it (folded lines and line
    /// end included), until it is read.
    value: Box<[u8]>,
    address: OnceCell<String>,
}

impl Sender {
    /// An address already read.
    pub(super) fn read(address: String) -> Sender {
        Sender { value: Box::default(), address: OnceCell::from(address) }
    }

    /// The field whose value is `value`, read when first asked for.
    pub(super) fn unread(value: &[u8]) -> Sender {
        Sender { value: value.into(), address: OnceCell::new() }
    }

    /// The address, as `first_address` of mail-parser's reading of the
    /// field.
    pub fn address(&self) -> &str {
        self.address.get_or_init(|| {
            let address = MessageStream::new(&self.value).parse_address();
            first_address(address.as_address())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::block::top_header_block;
    use super::super::direct::Top;
    use super::super::parser;
    use proptest::prelude::*;

    /// The address read from the field's own bytes is the parser's reading
    /// of the whole message.
    #[test]
    fn the_address_read_later_is_the_parsers() {
        const FIELDS: &[&str] = &[
            "From: a@example.org\n",
            "From: \"B, C\" <b@example.org>\r\n",
            "From: =?utf-8?q?D=C3=A9?= <d@example.net>,\n e@example.net\n",
            "From: (note) f@example.com (more)\n",
            "From: g:h@example.com, i@example.com;\n",
            "From: <j@example\n\t.com>\n",
            "From: MAILER-DAEMON\n",
            "From:\n",
            "From: \"k\n",
            "Subject: s\n",
            "To: l@example.org\n",
            " folded <m@example.org>\n",
        ];
        let config = ProptestConfig::with_cases(2000);
        proptest!(config, |(ids in prop::collection::vec(0..FIELDS.len(), 1..6))| {
            let mut raw: String = ids.iter().map(|&i| FIELDS[i]).collect();
            raw.push_str("\nbody\n");
            let Some((fields, _)) = top_header_block(raw.as_bytes()) else {
                return Ok(());
            };
            let Some(message) = parser().parse(raw.as_bytes()) else {
                return Ok(());
            };
            let want = super::first_address(message.from());
            let got = Top::of(raw.as_bytes(), &fields).sender(raw.as_bytes());
            prop_assert_eq!(got.address(), want.as_str());
        });
    }
}
