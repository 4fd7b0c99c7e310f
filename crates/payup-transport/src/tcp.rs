//! The TCP layer under TLS: ureq's `TcpConnector`, with waits a cooperative call can suspend at (`coop.rs`).
//!
//! A blocking call does what ureq's does: a blocking socket with `SO_RCVTIMEO`/`SO_SNDTIMEO` set to the
//! phase's remaining time. A cooperative call switches the socket to non-blocking and suspends where it
//! would block, with the same deadline. A pooled connection may serve both kinds; the mode is switched only
//! when it changes. The liveness probe before a pooled connection is reused is one `recv(MSG_PEEK |
//! MSG_DONTWAIT)` in either mode (ureq's is three syscalls: two `fcntl`s around a read).

use crate::coop::{self, Interest, Wait, Woke};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Weak};
use std::time::Instant;
use ureq::Timeout;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, ShutdownHandle, Transport,
};

/// Opens the connection to the first address that answers (the connector chain's TCP link).
#[derive(Debug, Default)]
pub(crate) struct TcpConnector;

impl<In: Transport> Connector<In> for TcpConnector {
    type Out = Either<In, TcpTransport>;

    fn connect(&self, details: &ConnectionDetails, chained: Option<In>) -> Result<Option<Self::Out>, ureq::Error> {
        if chained.is_some() {
            // A CONNECT proxy's tunnel already is the connection.
            return Ok(chained.map(Either::A));
        }
        let config = details.config;
        let cooperative = coop::active();
        let stream = connect_any(&details.addrs, details.timeout, cooperative)?;
        if config.no_delay() {
            stream.set_nodelay(true)?;
        }
        let stream = Arc::new(stream);
        (details.register_shutdown)(Arc::downgrade(&stream) as Weak<dyn ShutdownHandle>)?;
        let buffers = LazyBuffers::new(config.input_buffer_size(), config.output_buffer_size());
        Ok(Some(Either::B(TcpTransport {
            stream,
            buffers,
            nonblocking: cooperative,
            read_timeout: None,
            write_timeout: None,
        })))
    }
}

/// The addresses in order, each given a share of the connect timeout (half of what is left while others
/// remain, as ureq does), and an address-specific failure (refused, unreachable) moves on to the next.
fn connect_any(addrs: &[SocketAddr], timeout: NextTimeout, cooperative: bool) -> Result<TcpStream, ureq::Error> {
    let deadline = timeout.not_zero().map(|t| Instant::now() + *t);
    let mut last = None;
    for (i, addr) in addrs.iter().enumerate() {
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        if left.is_some_and(|l| l.is_zero()) {
            return Err(ureq::Error::Timeout(Timeout::Connect));
        }
        let share = left.map(|l| {
            let share = if i + 1 < addrs.len() { l / 2 } else { l };
            share.max(std::time::Duration::from_millis(10))
        });
        let attempt = if cooperative {
            connect_suspending(addr, share)
        } else {
            match share {
                Some(share) => TcpStream::connect_timeout(addr, share),
                None => TcpStream::connect(addr),
            }
        };
        match attempt {
            Ok(stream) => return Ok(stream),
            Err(e) if matches!(e.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock) => {
                last = Some(ureq::Error::Timeout(Timeout::Connect));
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionRefused
                        | io::ErrorKind::HostUnreachable
                        | io::ErrorKind::NetworkUnreachable
                        | io::ErrorKind::AddrNotAvailable
                ) =>
            {
                last = Some(ureq::Error::Io(e));
            }
            Err(e) => return Err(ureq::Error::Io(e)),
        }
    }
    Err(last.unwrap_or_else(|| ureq::Error::Io(io::Error::new(io::ErrorKind::ConnectionRefused, "no address"))))
}

/// A non-blocking connect, suspended until the socket is writable (connected or failed) or `share` passed.
fn connect_suspending(addr: &SocketAddr, share: Option<std::time::Duration>) -> io::Result<TcpStream> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(*addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_nonblocking(true)?;
    match socket.connect(&(*addr).into()) {
        Ok(()) => return Ok(socket.into()),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) || e.kind() == io::ErrorKind::WouldBlock => {}
        Err(e) => return Err(e),
    }
    let deadline = share.map(|s| Instant::now() + s);
    loop {
        let wait = Wait { fd: Some(socket.as_raw_fd()), interest: Interest::Write, deadline };
        if coop::suspend(wait) == Woke::TimedOut {
            return Err(io::ErrorKind::TimedOut.into());
        }
        if let Some(e) = socket.take_error()? {
            return Err(e);
        }
        // Writable and no error: connected, unless the wake-up was early (then not connected yet).
        match socket.peer_addr() {
            Ok(_) => return Ok(socket.into()),
            Err(e) if e.raw_os_error() == Some(libc::ENOTCONN) => continue,
            Err(e) => return Err(e),
        }
    }
}

/// One TCP connection: the bytes below TLS.
#[derive(Debug)]
pub(crate) struct TcpTransport {
    /// Shared weakly with the agent's shutdown handle (ureq's `register_shutdown`).
    stream: Arc<TcpStream>,
    buffers: LazyBuffers,
    /// The socket's `O_NONBLOCK` as last set (a cooperative call sets it; libuv's watcher sets it too, only
    /// while a cooperative call, which already did).
    nonblocking: bool,
    read_timeout: Option<std::time::Duration>,
    write_timeout: Option<std::time::Duration>,
}

impl TcpTransport {
    fn set_mode(&mut self, cooperative: bool) -> io::Result<()> {
        if self.nonblocking != cooperative {
            self.stream.set_nonblocking(cooperative)?;
            self.nonblocking = cooperative;
            // SO_RCVTIMEO/SO_SNDTIMEO are untouched by the switch: the cached timeouts stay true.
        }
        Ok(())
    }

    /// `op` until it does not block: in a cooperative call, suspended while it would; in a blocking one,
    /// with the socket's own timeout (`SO_RCVTIMEO`/`SO_SNDTIMEO`) set to the phase's remaining time.
    fn io<R>(
        &mut self,
        timeout: NextTimeout,
        interest: Interest,
        mut op: impl FnMut(&TcpStream, &mut LazyBuffers) -> io::Result<R>,
    ) -> Result<R, ureq::Error> {
        let cooperative = coop::active();
        self.set_mode(cooperative)?;
        let left = timeout.not_zero().map(|t| *t);
        if cooperative {
            let deadline = left.map(|l| Instant::now() + l);
            loop {
                match op(&self.stream, &mut self.buffers) {
                    Ok(r) => return Ok(r),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        let wait = Wait { fd: Some(self.stream.as_raw_fd()), interest, deadline };
                        if coop::suspend(wait) == Woke::TimedOut {
                            return Err(ureq::Error::Timeout(timeout.reason));
                        }
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        let slot = match interest {
            Interest::Read => &mut self.read_timeout,
            Interest::Write => &mut self.write_timeout,
        };
        if *slot != left {
            match interest {
                Interest::Read => self.stream.set_read_timeout(left)?,
                Interest::Write => self.stream.set_write_timeout(left)?,
            }
            *slot = left;
        }
        loop {
            match op(&self.stream, &mut self.buffers) {
                Ok(r) => return Ok(r),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // SO_RCVTIMEO/SO_SNDTIMEO expiring reads as EAGAIN.
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                    return Err(ureq::Error::Timeout(timeout.reason));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

impl Transport for TcpTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        let timeout = timeout.for_write();
        if timeout.after.is_zero() {
            return Err(ureq::Error::Timeout(timeout.reason));
        }
        let mut sent = 0;
        while sent < amount {
            let n =
                self.io(timeout, Interest::Write, |mut stream, buffers| stream.write(&buffers.output()[sent..amount]))?;
            if n == 0 {
                return Err(ureq::Error::Io(io::ErrorKind::WriteZero.into()));
            }
            sent += n;
        }
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let timeout = timeout.for_read();
        if timeout.after.is_zero() {
            return Err(ureq::Error::Timeout(timeout.reason));
        }
        let n = self.io(timeout, Interest::Read, |mut stream, buffers| stream.read(buffers.input_append_buf()))?;
        self.buffers.input_appended(n);
        Ok(n > 0)
    }

    /// Open when nothing is waiting to be read and the peer has not closed: a non-blocking peek, in either
    /// mode (bytes before a request would be answers to nobody: the connection is not reused).
    fn is_open(&mut self) -> bool {
        let mut byte = 0u8;
        // SAFETY: a one-byte buffer we own, on our own socket.
        let n = unsafe {
            libc::recv(self.stream.as_raw_fd(), (&raw mut byte).cast(), 1, libc::MSG_PEEK | libc::MSG_DONTWAIT)
        };
        n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::WouldBlock
    }
}
