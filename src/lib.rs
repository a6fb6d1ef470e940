//! bounceaudit: a rule-driven bulk bounce classifier.
//!
//! The pipeline, one module per stage: `source` finds files and decompresses
//! them, `mbox` splits archives, `mime` + `dsn` + `text` + `decode` turn a
//! message into a [`report::Report`], `rules` judges each recipient,
//! `classify` makes the rows, `output` writes them, and `scan` runs it all
//! in parallel and in order. `explain` shows the decision for one message.

pub mod charset;
pub mod classify;
pub mod codes;
pub mod decode;
pub mod dsn;
pub mod explain;
pub mod fasthash;
pub mod mbox;
pub mod mime;
pub mod output;
pub mod recent;
pub mod report;
pub mod rules;
pub mod scan;
pub mod source;
pub mod text;
