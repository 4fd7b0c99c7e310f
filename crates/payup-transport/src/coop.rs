//! Cooperative calls (issue 21): one call run as a stackful coroutine on an event loop's own thread, so a
//! binding whose host has an event loop (Node's libuv) makes the HTTP exchange without handing it to another
//! thread and back. Waking a sleeping worker and then the loop cost two idle-vCPU wake-ups per call
//! (bench/README.md "The Node addon, second pass"); a call that suspends at its socket waits costs none.
//!
//! The transport stays the one blocking transport every binding uses: only its waits change. Where a blocking
//! call would block — a socket not ready, a backoff sleep, a host name to resolve — a cooperative call
//! [`suspend`]s with what it waits for ([`Wait`]); the binding's loop watches that and resumes the call
//! ([`Task::resume`]) when it is ready or its deadline passed. Outside a [`Task`] nothing here is used.
//!
//! The transport's one thread-local of a call (whether request bytes left, `wire.rs`) is saved and restored
//! around each suspension, because other calls run on the thread meanwhile. Nothing holds a lock across a
//! suspension (the pool's lock, the event listener's slot and the resolver's result are each taken and let
//! go between waits); a call with a payment journal is not run cooperatively (its writes block: `fsync`,
//! PostgreSQL), which [`crate::Client::runs_cooperatively`] says.

use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult, Yielder};
use std::cell::{Cell, RefCell};
use std::os::fd::RawFd;
use std::time::{Duration, Instant};

/// What a suspended call waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    /// The descriptor to watch, or none (a sleep: the deadline alone).
    pub fd: Option<RawFd>,
    /// Readable or writable.
    pub interest: Interest,
    /// When the wait ends regardless (a timeout), if ever.
    pub deadline: Option<Instant>,
}

/// Which readiness of [`Wait::fd`] is awaited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interest {
    /// Bytes to read (or the peer's close, or an error).
    Read,
    /// Room to write (or a connect's outcome).
    Write,
}

/// Why a suspended call is resumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Woke {
    /// The descriptor is ready (or may be: the call tries again and waits again if not).
    Ready,
    /// The deadline passed first.
    TimedOut,
}

type CallYielder = Yielder<Woke, Wait>;

thread_local! {
    /// The running cooperative call's way back to its loop; null outside a [`Task`]'s resume.
    static CURRENT: Cell<*const CallYielder> = const { Cell::new(std::ptr::null()) };
    /// Finished calls' stacks, kept for the next ones (a new stack is an mmap, a guard page and fresh page
    /// faults).
    static STACKS: RefCell<Vec<DefaultStack>> = const { RefCell::new(Vec::new()) };
}

/// Stacks kept per thread (each is 1 MiB of address space, only its touched pages resident).
const KEPT_STACKS: usize = 16;

/// Whether the calling code runs inside a cooperative call (then it must [`suspend`], never block).
pub(crate) fn active() -> bool {
    !CURRENT.with(|c| c.get()).is_null()
}

/// Suspends the running cooperative call until `wait` is met. Only inside a [`Task`] (see [`active`]).
pub(crate) fn suspend(wait: Wait) -> Woke {
    let yielder = CURRENT.with(|c| c.replace(std::ptr::null()));
    assert!(!yielder.is_null(), "payup: suspend outside a cooperative call");
    let written = crate::wire::request_bytes_written();
    // SAFETY: `yielder` is this coroutine's own, set by its body (`Task::new`) or restored here, and the
    // coroutine is running (this code runs on its stack).
    let woke = unsafe { &*yielder }.suspend(wait);
    CURRENT.with(|c| c.set(yielder));
    crate::wire::set_request_bytes_written(written);
    woke
}

/// Sleeps `d`: a suspension in a cooperative call, a thread sleep otherwise.
pub(crate) fn sleep(d: Duration) {
    if active() {
        let deadline = Some(Instant::now() + d);
        while suspend(Wait { fd: None, interest: Interest::Read, deadline }) != Woke::TimedOut {}
    } else {
        std::thread::sleep(d);
    }
}

/// What a [`Task`] did when resumed.
#[derive(Debug)]
pub enum Step<T> {
    /// It waits: resume it when this is met.
    Wait(Wait),
    /// It finished: its value, or the panic that ended it (caught on its own stack).
    Done(std::thread::Result<T>),
}

/// One cooperative call: `f` on a stack of its own, run by [`Task::resume`] on the loop's thread.
pub struct Task<T> {
    coroutine: Option<Coroutine<Woke, Wait, std::thread::Result<T>, DefaultStack>>,
}

impl<T: 'static> Task<T> {
    /// A task that runs `f` when first resumed. Fails only when no stack can be mapped.
    pub fn new(f: impl FnOnce() -> T + 'static) -> std::io::Result<Task<T>> {
        let stack = match STACKS.with(|s| s.borrow_mut().pop()) {
            Some(stack) => stack,
            None => DefaultStack::new(1 << 20)?,
        };
        let coroutine = Coroutine::with_stack(stack, move |yielder: &CallYielder, _first: Woke| {
            CURRENT.with(|c| c.set(yielder));
            // Caught here, on the coroutine's stack: a panic never crosses into the loop's frames.
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            CURRENT.with(|c| c.set(std::ptr::null()));
            out
        });
        Ok(Task { coroutine: Some(coroutine) })
    }

    /// Runs the task until it waits or finishes. `woke`: why it is resumed (ignored the first time). Never
    /// call it from inside a task (the loop's callbacks resume tasks, never a task another).
    pub fn resume(&mut self, woke: Woke) -> Step<T> {
        let Some(coroutine) = self.coroutine.as_mut() else {
            return Step::Done(Err(Box::new("payup: a finished task resumed")));
        };
        match coroutine.resume(woke) {
            CoroutineResult::Yield(wait) => Step::Wait(wait),
            CoroutineResult::Return(out) => {
                if let Some(done) = self.coroutine.take() {
                    let stack = done.into_stack();
                    STACKS.with(|s| {
                        let mut s = s.borrow_mut();
                        if s.len() < KEPT_STACKS {
                            s.push(stack);
                        }
                    });
                }
                Step::Done(out)
            }
        }
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        if let Some(coroutine) = self.coroutine.take() {
            // Dropped while suspended: only when the loop's environment is torn down with calls in flight.
            // corosensei would unwind the call's stack, through frames that catch panics (`Task::new`'s own):
            // its memory is left instead (the process or the worker thread is ending anyway).
            if coroutine.started() && !coroutine.done() {
                std::mem::forget(coroutine);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_suspends_with_its_wait_and_restores_the_written_flag() {
        let mut a = Task::new(|| {
            crate::wire::set_request_bytes_written(true);
            let woke = suspend(Wait { fd: Some(7), interest: Interest::Read, deadline: None });
            (woke, crate::wire::request_bytes_written())
        })
        .unwrap();
        let Step::Wait(w) = a.resume(Woke::Ready) else { panic!("a task that waits finished") };
        assert_eq!(w.fd, Some(7));
        assert!(!active(), "outside a task nothing is cooperative");
        // Another call on the thread meanwhile: its flag is its own.
        crate::wire::set_request_bytes_written(false);
        let mut b = Task::new(crate::wire::request_bytes_written).unwrap();
        assert!(matches!(b.resume(Woke::Ready), Step::Done(Ok(false))));
        match a.resume(Woke::TimedOut) {
            Step::Done(Ok((woke, written))) => {
                assert_eq!(woke, Woke::TimedOut);
                assert!(written, "the flag set before the suspension is the call's again");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_panic_ends_the_task_not_the_loop() {
        let mut t = Task::new(|| -> u8 { panic!("inside") }).unwrap();
        assert!(matches!(t.resume(Woke::Ready), Step::Done(Err(_))));
        assert!(!active());
        // The thread goes on running tasks (on the kept stack).
        let mut again = Task::new(|| 5u8).unwrap();
        assert!(matches!(again.resume(Woke::Ready), Step::Done(Ok(5))));
    }

    #[test]
    fn sleep_suspends_until_its_deadline() {
        let mut t = Task::new(|| sleep(Duration::from_millis(5))).unwrap();
        let Step::Wait(w) = t.resume(Woke::Ready) else { panic!("no wait") };
        assert_eq!(w.fd, None);
        assert!(w.deadline.is_some());
        // A spurious wake-up before the deadline waits again.
        assert!(matches!(t.resume(Woke::Ready), Step::Wait(_)));
        assert!(matches!(t.resume(Woke::TimedOut), Step::Done(Ok(()))));
    }
}
