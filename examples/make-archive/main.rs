//! Writes a deterministic mbox of bounces for benchmarks:
//!
//! ```sh
//! cargo run --release --example make-archive -- --messages N --out FILE
//! cargo run --release --example make-archive -- --messages N --out FILE \
//!     --from-dir DIR
//! ```
//!
//! Without `--from-dir` the messages are made up (example.com-style
//! addresses) in the layouts bounceaudit decodes: RFC 3464 reports from
//! Postfix and Sendmail, Exim, qmail and Exchange text bounces, delay
//! notices, ARF complaints, auto-replies and a few messages that are not
//! reports. With `--from-dir` the files of DIR (in name order) are cycled,
//! each copy with a distinct `X-Archive-Seq` header. Both use mboxrd quoting.
//! The same arguments always give the same bytes.

mod templates;

use std::io::{BufWriter, Write};
use std::path::PathBuf;

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

struct Args {
    messages: usize,
    out: PathBuf,
    from_dir: Option<PathBuf>,
}

fn args() -> Result<Args, String> {
    let mut messages = None;
    let mut out = None;
    let mut from_dir = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--messages" => {
                let v = value()?;
                messages = Some(v.parse().map_err(|_| format!("bad N: {v}"))?)
            }
            "--out" => out = Some(PathBuf::from(value()?)),
            "--from-dir" => from_dir = Some(PathBuf::from(value()?)),
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    Ok(Args {
        messages: messages.ok_or("--messages N is required")?,
        out: out.ok_or("--out FILE is required")?,
        from_dir,
    })
}

fn main() {
    let args = args().unwrap_or_else(|e| {
        eprintln!("make-archive: {e}");
        eprintln!(
            "usage: make-archive --messages N --out FILE [--from-dir DIR]"
        );
        std::process::exit(2);
    });
    let file = std::fs::File::create(&args.out).unwrap_or_else(|e| {
        eprintln!("make-archive: {}: {e}", args.out.display());
        std::process::exit(1);
    });
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let written = match &args.from_dir {
        Some(dir) => from_dir(dir, args.messages, &mut out),
        None => synthetic(args.messages, &mut out),
    };
    let bytes =
        written.and_then(|b| out.flush().map(|_| b)).unwrap_or_else(|e| {
            eprintln!("make-archive: {}: {e}", args.out.display());
            std::process::exit(1);
        });
    eprintln!(
        "make-archive: {} messages, {:.1} MB in {}",
        args.messages,
        bytes as f64 / 1e6,
        args.out.display()
    );
}

/// The envelope line of every message.
const FROM_LINE: &[u8] = b"From MAILER-DAEMON Thu Sep 18 17:54:04 2008\n";

/// Writes one message with mboxrd quoting (`>*From ` lines get one more
/// `>`), ending with a blank line. Returns the bytes written.
fn write_message(
    out: &mut impl Write,
    seq: usize,
    message: &[u8],
) -> std::io::Result<u64> {
    let header = format!("X-Archive-Seq: {seq}\n");
    let mut n = FROM_LINE.len() + header.len();
    out.write_all(FROM_LINE)?;
    out.write_all(header.as_bytes())?;
    for line in message.split_inclusive(|&c| c == b'\n') {
        let quotes = line.iter().take_while(|&&c| c == b'>').count();
        if line[quotes..].starts_with(b"From ") {
            out.write_all(b">")?;
            n += 1;
        }
        out.write_all(line)?;
        n += line.len();
    }
    if !message.ends_with(b"\n") {
        out.write_all(b"\n")?;
        n += 1;
    }
    out.write_all(b"\n")?;
    Ok(n as u64 + 1)
}

/// Cycles the files of `dir` (name order) into `n` messages.
fn from_dir(
    dir: &PathBuf,
    n: usize,
    out: &mut impl Write,
) -> std::io::Result<u64> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    let messages = paths
        .iter()
        .map(std::fs::read)
        .collect::<std::io::Result<Vec<Vec<u8>>>>()?;
    if messages.is_empty() {
        return Err(std::io::Error::other("no files in the folder"));
    }
    let mut bytes = 0;
    for seq in 0..n {
        bytes += write_message(out, seq, &messages[seq % messages.len()])?;
    }
    Ok(bytes)
}

/// Writes `n` made-up messages.
fn synthetic(n: usize, out: &mut impl Write) -> std::io::Result<u64> {
    let mut rng = Rng(0x5eed);
    let mut bytes = 0;
    for seq in 0..n {
        let message = templates::message(&mut rng, seq);
        bytes += write_message(out, seq, message.as_bytes())?;
    }
    Ok(bytes)
}
