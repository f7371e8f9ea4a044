//! Where log bytes come from: files, directories of rotated logs (read in
//! name order), gzip-compressed files (recognised by their magic bytes,
//! whatever their name) and standard input. Several inputs are read one
//! after another into one stream of entries, each entry naming its input.

use crate::entry::Entry;
use crate::error::Error;
use crate::format::Format;
use crate::reader::{GzipTruncated, LogReader, Options, Prefilter, Stats};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One input: a file, or standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The name shown to the user (the path, or `-`).
    pub name: String,
    /// The file, or `None` for standard input.
    pub path: Option<PathBuf>,
}

/// Expands command-line paths into inputs: `-` is standard input, a
/// directory stands for the regular files in it (not recursing, hidden
/// files left out) sorted by name, anything else is a file. No paths at
/// all means standard input.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<Input>, Error> {
    if paths.is_empty() {
        return Ok(vec![stdin_input()]);
    }
    let mut inputs = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(stdin_input());
            continue;
        }
        let meta = std::fs::metadata(path).map_err(|source| Error::Open {
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() {
            let listing = std::fs::read_dir(path).map_err(|source| Error::Open {
                path: path.clone(),
                source,
            })?;
            let mut files: Vec<PathBuf> = Vec::new();
            for item in listing {
                let item = item.map_err(|source| Error::Open {
                    path: path.clone(),
                    source,
                })?;
                let hidden = item.file_name().to_string_lossy().starts_with('.');
                let is_file = item.file_type().map(|t| t.is_file()).unwrap_or(false)
                    || std::fs::metadata(item.path())
                        .map(|m| m.is_file())
                        .unwrap_or(false);
                if is_file && !hidden {
                    files.push(item.path());
                }
            }
            files.sort();
            inputs.extend(files.into_iter().map(file_input));
        } else {
            inputs.push(file_input(path.clone()));
        }
    }
    Ok(inputs)
}

fn stdin_input() -> Input {
    Input {
        name: "-".to_owned(),
        path: None,
    }
}

fn file_input(path: PathBuf) -> Input {
    Input {
        name: path.display().to_string(),
        path: Some(path),
    }
}

/// Turns flate2's errors on a cut-off stream into a recognisable one.
struct GzipReader<R: BufRead>(flate2::bufread::MultiGzDecoder<R>);

impl<R: BufRead> Read for GzipReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::InvalidInput
            | io::ErrorKind::InvalidData => {
                io::Error::new(io::ErrorKind::UnexpectedEof, GzipTruncated)
            }
            _ => e,
        })
    }
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Wraps a byte source, decompressing it when it starts with the gzip
/// magic bytes. Both bytes are read before deciding, however the source
/// hands them out: a pipe may deliver one byte in its first read.
pub fn maybe_gunzip<R: Read + Send + 'static>(mut src: R) -> io::Result<Box<dyn Read + Send>> {
    let mut head = [0u8; GZIP_MAGIC.len()];
    let mut got = 0;
    while got < head.len() {
        match src.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    let head = &head[..got];
    let gzip = head == GZIP_MAGIC;
    let rest = io::Cursor::new(head.to_vec()).chain(src);
    if gzip {
        let buffered = BufReader::with_capacity(256 << 10, rest);
        Ok(Box::new(GzipReader(flate2::bufread::MultiGzDecoder::new(
            buffered,
        ))))
    } else {
        // The log reader reads in blocks of its own: a buffer here would
        // only copy every byte once more.
        Ok(Box::new(rest))
    }
}

/// Opens an input for reading (decompressing gzip).
pub fn open(input: &Input) -> Result<Box<dyn Read + Send>, Error> {
    let opened = match &input.path {
        None => maybe_gunzip(io::stdin()),
        Some(path) => File::open(path).and_then(maybe_gunzip),
    };
    opened.map_err(|source| Error::Open {
        path: input
            .path
            .clone()
            .unwrap_or_else(|| Path::new("-").to_path_buf()),
        source,
    })
}

/// Reads several inputs one after another. An input that cannot be opened
/// is recorded in the statistics and skipped.
pub struct MultiReader {
    inputs: Vec<Input>,
    next_input: usize,
    current: Option<LogReader<Box<dyn Read + Send>>>,
    options: Options,
    filter: Option<Arc<dyn Prefilter>>,
    stats: Stats,
    formats: Vec<(usize, Format)>,
}

impl MultiReader {
    /// A reader of `inputs`, in order; entries name their input by its index.
    pub fn new(inputs: Vec<Input>, options: Options) -> MultiReader {
        MultiReader {
            inputs,
            next_input: 0,
            current: None,
            options,
            filter: None,
            stats: Stats::default(),
            formats: Vec::new(),
        }
    }

    /// Only lines the prefilter finds (and their continuations) become entries.
    pub fn with_prefilter(mut self, filter: Arc<dyn Prefilter>) -> MultiReader {
        self.filter = Some(filter);
        self
    }

    /// The inputs, indexed as in [`Entry::file`].
    pub fn inputs(&self) -> &[Input] {
        &self.inputs
    }

    /// The format detected for each input read so far.
    pub fn formats(&self) -> &[(usize, Format)] {
        &self.formats
    }

    /// Statistics of the inputs finished so far (all of them once the
    /// iterator has ended).
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Takes the statistics.
    pub fn into_stats(self) -> Stats {
        self.stats
    }

    fn finish_current(&mut self) {
        if let Some(mut r) = self.current.take() {
            if let Some(f) = r.format() {
                self.formats.push((self.next_input - 1, f.clone()));
            }
            let s = r.take_stats();
            self.stats.add(s);
        }
    }
}

impl Iterator for MultiReader {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        loop {
            if let Some(r) = &mut self.current {
                if let Some(e) = r.next() {
                    return Some(e);
                }
                self.finish_current();
            }
            let index = self.next_input;
            let input = self.inputs.get(index)?;
            self.next_input += 1;
            match open(input) {
                Ok(src) => {
                    let mut r = LogReader::new(src, index, input.name.clone(), &self.options);
                    if let Some(f) = &self.filter {
                        r = r.with_prefilter(Arc::clone(f));
                    }
                    self.current = Some(r);
                }
                Err(e) => self.stats.errors.push(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A pipe at its slowest: one byte per read.
    struct Dribble(io::Cursor<Vec<u8>>);

    impl Read for Dribble {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let one = buf.len().min(1);
            self.0.read(&mut buf[..one])
        }
    }

    fn read_all(src: impl Read + Send + 'static) -> Vec<u8> {
        let mut out = Vec::new();
        maybe_gunzip(src)
            .expect("opens")
            .read_to_end(&mut out)
            .expect("reads");
        out
    }

    #[test]
    fn gzip_is_recognised_whatever_the_first_read_returns() {
        let text =
            b"2026-11-28 10:00:00 UTC [1] LOG:  could not accept SSL connection: EOF detected\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text).expect("compress");
        let gz = gz.finish().expect("compress");
        assert_eq!(read_all(Dribble(io::Cursor::new(gz.clone()))), text);
        assert_eq!(read_all(io::Cursor::new(gz)), text);
        // Plain text, one byte per read, and inputs shorter than the magic.
        assert_eq!(read_all(Dribble(io::Cursor::new(text.to_vec()))), text);
        assert_eq!(read_all(io::Cursor::new(vec![0x1f])), [0x1f]);
        assert_eq!(read_all(io::Cursor::new(Vec::new())), b"");
    }
}
