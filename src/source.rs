//! Finding the messages behind the paths a user names: mbox files, maildir
//! folders, folders of message files (walked recursively, in name order),
//! single messages and `-` for standard input. Compressed files (gzip, xz,
//! zstd) are recognised by their magic bytes and decoded as a stream, in
//! bounded pieces, never read whole into memory. Detection is by content,
//! never by file name. Splitting an mbox is left to `mbox`.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use thiserror::Error;

/// A path that could not be read, with why.
#[derive(Debug, Error)]
pub enum SourceError {
    /// The path does not exist or cannot be opened.
    #[error("{path}: {source}")]
    Open { path: String, source: io::Error },
    /// A directory entry could not be read while walking.
    #[error("{path}: {message}")]
    Walk { path: String, message: String },
}

/// The bytes of one input file, plain (memory-mapped when allowed) or
/// decompressed.
pub enum Contents {
    /// A memory map of a plain file.
    Mapped(memmap2::Mmap),
    /// Bytes read into memory (compressed files, stdin, `--no-mmap`).
    Owned(Vec<u8>),
}

impl std::ops::Deref for Contents {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Contents::Mapped(m) => m,
            Contents::Owned(v) => v,
        }
    }
}

/// An input file opened for the scan: a memory map of a plain file, or a
/// stream (compressed files, standard input, small files, `--no-mmap`).
pub enum Input {
    /// A memory map of a plain file.
    Mapped(memmap2::Mmap),
    /// The (decompressed) bytes, to be read in pieces.
    Stream(Box<dyn Read + Send>),
}

/// Plain files smaller than this are read rather than mapped: a map costs
/// more than the read for a maildir message.
const MAP_AT_LEAST: u64 = 1 << 16;

/// Opens one file (or stdin for `-`) for streaming: compressed content
/// (gzip, xz, zstd, by magic bytes) is decoded as it is read; a plain file
/// of some size is memory-mapped unless `mmap` is false.
pub fn open(path: &Path, mmap: bool) -> io::Result<Input> {
    if path.as_os_str() == "-" {
        return stream(BufReader::with_capacity(1 << 16, io::stdin()));
    }
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    if mmap && len >= MAP_AT_LEAST {
        // SAFETY: the map is read-only; a file truncated by another process
        // while we read it is the documented risk of memory maps.
        let map = unsafe { memmap2::Mmap::map(&file)? };
        if compression(&map).is_none() {
            let _ = map.advise(memmap2::Advice::Sequential);
            return Ok(Input::Mapped(map));
        }
    }
    stream(BufReader::with_capacity(1 << 16, file))
}

/// Wraps `reader` in the decoder its first bytes call for.
fn stream<R: BufRead + Send + 'static>(mut reader: R) -> io::Result<Input> {
    let head = reader.fill_buf()?;
    let head = &head[..head.len().min(6)];
    Ok(Input::Stream(match compression(head) {
        None => Box::new(reader),
        Some(Compression::Gzip) => {
            Box::new(flate2::bufread::MultiGzDecoder::new(reader))
        }
        Some(Compression::Xz) => {
            Box::new(liblzma::bufread::XzDecoder::new_multi_decoder(reader))
        }
        Some(Compression::Zstd) => {
            Box::new(zstd::stream::read::Decoder::with_buffer(reader)?)
        }
    }))
}

/// Lists the files behind `paths` in a stable order: each path as given, a
/// folder walked recursively in name order (skipping maildir `tmp/` folders
/// and dot-files such as Dovecot's indexes). Problems are returned beside the
/// files, so that one bad path never stops the others.
pub fn discover(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<SourceError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            files.push(path.clone());
            continue;
        }
        match std::fs::metadata(path) {
            Err(e) => errors.push(SourceError::Open {
                path: path.display().to_string(),
                source: e,
            }),
            Ok(m) if m.is_dir() => walk(path, &mut files, &mut errors),
            Ok(_) => files.push(path.clone()),
        }
    }
    (files, errors)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<SourceError>) {
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored(e));
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() => files.push(e.into_path()),
            Ok(_) => {}
            Err(e) => errors.push(SourceError::Walk {
                path: e.path().map_or_else(
                    || dir.display().to_string(),
                    |p| p.display().to_string(),
                ),
                message: e.to_string(),
            }),
        }
    }
}

/// Maildir `tmp/` (messages still being written) and hidden files such as
/// `dovecot.index` or `.DS_Store` are not messages. Maildir++ folders
/// (`.Sent/`) are dot-directories and are kept.
fn is_ignored(e: &walkdir::DirEntry) -> bool {
    let name = e.file_name().to_string_lossy();
    if e.file_type().is_dir() {
        return name == "tmp";
    }
    name.starts_with('.')
        || name.starts_with("dovecot")
        || name == "maildirfolder"
        || name == "courierimapuiddb"
}

/// Reads one file (or stdin for `-`), decompressing gzip, xz and zstd.
/// Plain files are memory-mapped unless `mmap` is false.
pub fn read(path: &Path, mmap: bool) -> io::Result<Contents> {
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        io::stdin().lock().read_to_end(&mut buf)?;
        return decompress(buf);
    }
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    if mmap && len > 0 {
        // SAFETY: the map is read-only; a file truncated by another process
        // while we read it is the documented risk of memory maps.
        let map = unsafe { memmap2::Mmap::map(&file)? };
        if compression(&map).is_none() {
            return Ok(Contents::Mapped(map));
        }
        return decompress(map.to_vec());
    }
    let mut buf = Vec::with_capacity(len as usize);
    (&file).read_to_end(&mut buf)?;
    decompress(buf)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compression {
    Gzip,
    Xz,
    Zstd,
}

fn compression(data: &[u8]) -> Option<Compression> {
    if data.starts_with(&[0x1f, 0x8b]) {
        Some(Compression::Gzip)
    } else if data.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        Some(Compression::Xz)
    } else if data.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some(Compression::Zstd)
    } else {
        None
    }
}

/// Decompresses `data` when its magic bytes say it is compressed.
fn decompress(data: Vec<u8>) -> io::Result<Contents> {
    let mut out = Vec::new();
    match compression(&data) {
        None => return Ok(Contents::Owned(data)),
        Some(Compression::Gzip) => flate2::read::MultiGzDecoder::new(&data[..])
            .read_to_end(&mut out)?,
        Some(Compression::Xz) => {
            liblzma::read::XzDecoder::new_multi_decoder(&data[..])
                .read_to_end(&mut out)?
        }
        Some(Compression::Zstd) => zstd::stream::read::Decoder::new(&data[..])?
            .read_to_end(&mut out)?,
    };
    Ok(Contents::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn decompresses_by_magic_bytes() {
        let text = b"From: a@example.com\n\nhello\n".to_vec();
        let mut gz =
            flate2::write::GzEncoder::new(Vec::new(), Default::default());
        gz.write_all(&text).unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(&*decompress(gz).unwrap(), &text[..]);
        let zs = zstd::encode_all(&text[..], 3).unwrap();
        assert_eq!(&*decompress(zs).unwrap(), &text[..]);
        let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 6);
        xz.write_all(&text).unwrap();
        assert_eq!(&*decompress(xz.finish().unwrap()).unwrap(), &text[..]);
        assert_eq!(&*decompress(text.clone()).unwrap(), &text[..]);
    }

    #[test]
    fn streams_compressed_files() {
        let text = b"From: a@example.com\n\nhello\n".repeat(5000);
        let dir = tempfile::tempdir().unwrap();
        let mut gz =
            flate2::write::GzEncoder::new(Vec::new(), Default::default());
        gz.write_all(&text).unwrap();
        let plain = dir.path().join("plain");
        let packed = dir.path().join("packed");
        std::fs::write(&plain, &text).unwrap();
        std::fs::write(&packed, gz.finish().unwrap()).unwrap();
        for (path, mmap) in [(&plain, true), (&plain, false), (&packed, true)] {
            let got = match open(path, mmap).unwrap() {
                Input::Mapped(m) => m.to_vec(),
                Input::Stream(mut r) => {
                    let mut v = Vec::new();
                    r.read_to_end(&mut v).unwrap();
                    v
                }
            };
            assert_eq!(got, text, "{path:?} mmap={mmap}");
        }
        assert!(matches!(open(&plain, true).unwrap(), Input::Mapped(_)));
        assert!(matches!(open(&plain, false).unwrap(), Input::Stream(_)));
    }

    #[test]
    fn a_missing_path_is_reported_not_fatal() {
        let (files, errors) =
            discover(&[PathBuf::from("/no/such/path"), PathBuf::from("-")]);
        assert_eq!(files, vec![PathBuf::from("-")]);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].to_string().starts_with("/no/such/path: "));
    }
}
