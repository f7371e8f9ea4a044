//! A TCP stream whose reads and writes end at a per-step deadline. Socket
//! timeouts alone restart with every byte, so a server dripping one byte a
//! second would hold a probe forever; here every read and write gets only
//! the time left until the step's deadline, and once it has passed the
//! stream answers `TimedOut` without touching the socket. OpenSSL reads and
//! writes through this stream too, so the handshake obeys the same deadline.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// A blocking TCP stream bounded by a movable deadline.
#[derive(Debug)]
pub(crate) struct DeadlineStream {
    sock: TcpStream,
    deadline: Instant,
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "step deadline passed")
}

impl DeadlineStream {
    pub(crate) fn new(sock: TcpStream, deadline: Instant) -> DeadlineStream {
        DeadlineStream { sock, deadline }
    }

    pub(crate) fn set_deadline(&mut self, deadline: Instant) {
        self.deadline = deadline;
    }

    fn remaining(&self) -> Option<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        // A zero timeout means "block forever" to the socket API.
        (left > Duration::ZERO).then_some(left)
    }

    pub(crate) fn deadline_passed(&self) -> bool {
        Instant::now() >= self.deadline
    }
}

impl DeadlineStream {
    /// Runs one socket operation with the time left as its timeout, again
    /// after a timeout or an interruption, until it succeeds, fails
    /// otherwise, or the deadline passes.
    fn until_deadline(
        &mut self,
        set_timeout: fn(&TcpStream, Option<Duration>) -> io::Result<()>,
        mut op: impl FnMut(&mut TcpStream) -> io::Result<usize>,
    ) -> io::Result<usize> {
        loop {
            let Some(left) = self.remaining() else {
                return Err(timed_out());
            };
            set_timeout(&self.sock, Some(left))?;
            match op(&mut self.sock) {
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) =>
                {
                    continue
                }
                other => return other,
            }
        }
    }
}

impl Read for DeadlineStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.until_deadline(TcpStream::set_read_timeout, |sock| sock.read(buf))
    }
}

impl Write for DeadlineStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.until_deadline(TcpStream::set_write_timeout, |sock| sock.write(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.sock.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::thread;

    #[test]
    fn a_slow_drip_still_ends_at_the_deadline() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            // One byte every 50 ms: each read succeeds, the whole never does.
            for _ in 0..40 {
                if s.write_all(b"x").is_err() {
                    break;
                }
                thread::sleep(Duration::from_millis(50));
            }
        });
        let sock = TcpStream::connect(addr).unwrap();
        let started = Instant::now();
        let mut stream = DeadlineStream::new(sock, started + Duration::from_millis(300));
        let mut got = 0;
        let mut buf = [0u8; 64];
        let err = loop {
            match stream.read(&mut buf) {
                Ok(0) => panic!("server closed early"),
                Ok(n) => got += n,
                Err(e) => break e,
            }
        };
        let elapsed = started.elapsed();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(got >= 2, "some bytes should have dripped in, got {got}");
        assert!(elapsed >= Duration::from_millis(290), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(900), "{elapsed:?}");
        drop(stream);
        server.join().unwrap();
    }

    #[test]
    fn a_passed_deadline_refuses_at_once() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let sock = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let mut stream = DeadlineStream::new(sock, Instant::now());
        let mut buf = [0u8; 4];
        assert_eq!(
            stream.read(&mut buf).unwrap_err().kind(),
            io::ErrorKind::TimedOut
        );
        assert_eq!(
            stream.write(b"x").unwrap_err().kind(),
            io::ErrorKind::TimedOut
        );
        stream.set_deadline(Instant::now() + Duration::from_secs(5));
        assert_eq!(stream.write(b"x").unwrap(), 1);
    }
}
