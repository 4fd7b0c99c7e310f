//! A client's calls on the JS thread itself (issue 21): each call is a cooperative task of the transport
//! (`payup_transport::coop`), resumed from libuv's callbacks when the socket it waits for is ready or its
//! deadline passes, so no worker thread is woken and nothing crosses back through a threadsafe function.
//!
//! Why: handing a call to a worker and its outcome back cost two wake-ups of idle vCPUs per call (22–24 µs on
//! this VM; bench/README.md "The Node addon, second pass"), more than the 15% the goal allows. Here a call
//! costs what the Rust client's does: the request is written before `call` returns its Promise, the loop
//! sleeps in `epoll_wait` with everything else Node waits for, and the answer is read and parsed in the
//! readiness callback, which settles the Promise in a callback scope (so its reactions run at once, as after
//! any I/O callback).
//!
//! What still runs on the worker pool (`pool.rs`): calls of a client with a payment journal (its writes
//! block), and every call when libuv's handles are larger than this file reserves (never seen).
//!
//! Lifetimes: a call is a `Box<Call>` owned by the loop from `spawn` until it settles; its libuv handles point
//! at it (`data`) and are closed before it is freed (their memory goes in the close callback). A poll handle
//! exists only while its call waits (one per descriptor is libuv's rule, and a descriptor returned to the
//! pool may be waited for by the next call). When the environment is torn down with calls suspended (a
//! worker_thread ended), the cleanup hook closes their handles and leaves their stacks.

use napi::sys;
use payup_transport::coop::{Interest, Step, Task, Wait, Woke};
use std::cell::{Cell, RefCell};
use std::ffi::{c_int, c_void};
use std::ptr;
use std::time::Instant;

use crate::pool::Outcome;

// libuv, as Node exports it (uv.h). Handles are opaque here: their size comes from `uv_handle_size`, and the
// one public field used is `data`, the first of every handle.
unsafe extern "C" {
    fn uv_handle_size(kind: c_int) -> usize;
    fn uv_poll_init(event_loop: *mut c_void, handle: *mut c_void, fd: c_int) -> c_int;
    fn uv_poll_start(handle: *mut c_void, events: c_int, cb: unsafe extern "C" fn(*mut c_void, c_int, c_int)) -> c_int;
    fn uv_poll_stop(handle: *mut c_void) -> c_int;
    fn uv_timer_init(event_loop: *mut c_void, handle: *mut c_void) -> c_int;
    fn uv_timer_start(handle: *mut c_void, cb: unsafe extern "C" fn(*mut c_void), timeout: u64, repeat: u64) -> c_int;
    fn uv_timer_stop(handle: *mut c_void) -> c_int;
    fn uv_close(handle: *mut c_void, cb: Option<unsafe extern "C" fn(*mut c_void)>);
}

const UV_POLL: c_int = 8;
const UV_TIMER: c_int = 13;
const UV_READABLE: c_int = 1;
const UV_WRITABLE: c_int = 2;

/// Room for one libuv handle (a uv_poll_t is 160 bytes, a uv_timer_t 152 on x86-64 Linux).
#[repr(C, align(16))]
struct HandleMemory([u8; 256]);

fn new_handle(call: *mut Call) -> *mut c_void {
    let handle = Box::into_raw(Box::new(HandleMemory([0; 256]))).cast::<c_void>();
    // SAFETY: `data` (a pointer) is the first field of every libuv handle, and the memory is ours.
    unsafe { *handle.cast::<*mut c_void>() = call.cast() };
    handle
}

unsafe extern "C" fn free_handle(handle: *mut c_void) {
    // SAFETY: every handle here came from `new_handle`; libuv is done with it (its close callback).
    drop(unsafe { Box::from_raw(handle.cast::<HandleMemory>()) });
}

/// The call a handle belongs to.
unsafe fn owner(handle: *mut c_void) -> *mut Call {
    // SAFETY: set by `new_handle`.
    unsafe { *handle.cast::<*mut Call>() }
}

struct Call {
    task: Task<Outcome>,
    env: sys::napi_env,
    deferred: sys::napi_deferred,
    /// A typed method's call (`Outcome::Typed`, with its factories): an internal failure is rejected as its
    /// `PayupError`.
    typed: Option<u32>,
    event_loop: *mut c_void,
    /// The poll handle of the current wait, if it waits for a descriptor (null otherwise).
    poll: *mut c_void,
    /// The call's timer, made at its first wait with a deadline (null before).
    timer: *mut c_void,
    deadline: Option<Instant>,
    /// The events `call_with_events` collects, while the call is not running (`lib.rs`'s thread-local holds
    /// them while it runs; other calls run on this thread in between).
    captured: Option<Vec<serde_json::Value>>,
}

thread_local! {
    /// This thread's calls in flight (one environment per JS thread), for the cleanup hook.
    static IN_FLIGHT: RefCell<Vec<*mut Call>> = const { RefCell::new(Vec::new()) };
    /// This thread's environment's libuv loop, taken (and the cleanup hook registered) at its first call.
    static EVENT_LOOP: Cell<*mut c_void> = const { Cell::new(ptr::null_mut()) };
    /// The environment is torn down: no new calls here.
    static TORN_DOWN: Cell<bool> = const { Cell::new(false) };
    /// The resource and async context the settling callback scope runs in (made once per environment).
    static SCOPE: Cell<(sys::napi_ref, sys::napi_async_context)> = const { Cell::new((ptr::null_mut(), ptr::null_mut())) };
}

/// Whether calls can run on this JS thread: libuv's handles fit, and the environment is not going away.
pub fn available() -> bool {
    static FITS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    // SAFETY: plain queries of libuv's handle sizes (the same for the whole process).
    let fits = *FITS.get_or_init(|| unsafe { uv_handle_size(UV_POLL) <= 256 && uv_handle_size(UV_TIMER) <= 256 });
    fits && !TORN_DOWN.with(|t| t.get())
}

/// This thread's libuv loop; at the first call the cleanup hook is registered too.
fn event_loop(env: sys::napi_env) -> napi::Result<*mut c_void> {
    let known = EVENT_LOOP.with(|l| l.get());
    if !known.is_null() {
        return Ok(known);
    }
    let mut event_loop: *mut sys::uv_loop_s = ptr::null_mut();
    // SAFETY: napi calls on the JS thread with a valid out-pointer; the hook takes no argument (this thread's
    // state is thread-local).
    unsafe {
        crate::pool::check(sys::napi_get_uv_event_loop(env, &mut event_loop), "napi_get_uv_event_loop")?;
        sys::napi_add_env_cleanup_hook(env, Some(torn_down), ptr::null_mut());
    }
    EVENT_LOOP.with(|l| l.set(event_loop.cast()));
    Ok(event_loop.cast())
}

/// A new Promise settled by `run`, which runs now on this (the JS) thread until its first wait.
pub fn spawn(
    env: sys::napi_env,
    typed: Option<u32>,
    run: impl FnOnce() -> Outcome + 'static,
) -> napi::Result<sys::napi_value> {
    let event_loop = event_loop(env)?;
    let mut deferred = ptr::null_mut();
    let mut promise = ptr::null_mut();
    // SAFETY: a napi call on the JS thread (a #[napi] method's), with valid out-pointers.
    unsafe {
        crate::pool::check(sys::napi_create_promise(env, &mut deferred, &mut promise), "napi_create_promise")?;
    }
    let task = match Task::new(run) {
        Ok(task) => task,
        Err(_) => {
            // SAFETY: on the JS thread, with the deferred just made.
            unsafe { crate::pool::settle_deferred(env, deferred, &Outcome::internal_failure(typed)) };
            return Ok(promise);
        }
    };
    let call = Box::into_raw(Box::new(Call {
        task,
        env,
        deferred,
        typed,
        event_loop,
        poll: ptr::null_mut(),
        timer: ptr::null_mut(),
        deadline: None,
        captured: None,
    }));
    IN_FLIGHT.with(|f| f.borrow_mut().push(call));
    // SAFETY: `call` is live (just made) and owned by the loop until it settles.
    unsafe { drive(call, Woke::Ready, false) };
    Ok(promise)
}

/// Resumes `call` until it waits (watched) or finishes (settled, freed). `in_callback`: called from a libuv
/// callback, where settling needs scopes of its own.
unsafe fn drive(call: *mut Call, mut woke: Woke, in_callback: bool) {
    loop {
        // SAFETY: `call` is live: freed only by `finish` below or the cleanup hook (not while it runs).
        let c = unsafe { &mut *call };
        let outer = crate::swap_captured(c.captured.take());
        let step = c.task.resume(woke);
        c.captured = crate::swap_captured(outer);
        match step {
            Step::Wait(wait) => {
                // SAFETY: as above.
                if unsafe { watch(call, wait) } {
                    return;
                }
                // libuv refused to watch it: the wait ends as a timeout (the call reports what that means:
                // ambiguous once request bytes left), never a call that never settles.
                woke = Woke::TimedOut;
            }
            Step::Done(out) => {
                let out = out.unwrap_or_else(|_| Outcome::internal_failure(c.typed));
                // SAFETY: as above; not used after.
                unsafe { finish(call, out, in_callback) };
                return;
            }
        }
    }
}

/// Starts watching what `wait` says; false when libuv would not.
unsafe fn watch(call: *mut Call, wait: Wait) -> bool {
    // SAFETY: `call` is live (see `drive`); libuv calls on the loop's own thread.
    unsafe {
        let c = &mut *call;
        if wait.fd.is_none() && wait.deadline.is_none() {
            return false; // nothing would ever end it
        }
        c.deadline = wait.deadline;
        if let Some(fd) = wait.fd {
            let handle = new_handle(call);
            if uv_poll_init(c.event_loop, handle, fd) != 0 {
                free_handle(handle);
                return false;
            }
            let events = match wait.interest {
                Interest::Read => UV_READABLE,
                Interest::Write => UV_WRITABLE,
            };
            if uv_poll_start(handle, events, on_ready) != 0 {
                uv_close(handle, Some(free_handle));
                return false;
            }
            c.poll = handle;
        }
        if let Some(deadline) = wait.deadline {
            if c.timer.is_null() {
                let timer = new_handle(call);
                if uv_timer_init(c.event_loop, timer) != 0 {
                    free_handle(timer);
                    unwatch(c);
                    return false;
                }
                c.timer = timer;
            }
            uv_timer_start(c.timer, on_deadline, millis_until(deadline), 0);
        }
        true
    }
}

/// Whole milliseconds until `deadline`, rounded up (libuv's timers count milliseconds of loop time).
fn millis_until(deadline: Instant) -> u64 {
    let left = deadline.saturating_duration_since(Instant::now());
    left.as_millis()
        .try_into()
        .unwrap_or(u64::MAX)
        .saturating_add(u64::from(!left.subsec_nanos().is_multiple_of(1_000_000)))
}

/// Stops the current wait: its poll handle closed (the descriptor may be the next call's to wait for), the
/// timer stopped.
unsafe fn unwatch(c: &mut Call) {
    // SAFETY: handles of this call, on the loop's thread.
    unsafe {
        if !c.poll.is_null() {
            uv_poll_stop(c.poll);
            uv_close(c.poll, Some(free_handle));
            c.poll = ptr::null_mut();
        }
        if !c.timer.is_null() {
            uv_timer_stop(c.timer);
        }
    }
}

unsafe extern "C" fn on_ready(handle: *mut c_void, _status: c_int, _events: c_int) {
    // SAFETY: a live call's poll handle (closed before the call is freed); an error status also resumes it,
    // and its next read or write meets the error itself.
    unsafe {
        let call = owner(handle);
        unwatch(&mut *call);
        drive(call, Woke::Ready, true);
    }
}

unsafe extern "C" fn on_deadline(handle: *mut c_void) {
    // SAFETY: a live call's timer (closed before the call is freed).
    unsafe {
        let call = owner(handle);
        let c = &mut *call;
        // libuv's clock is the loop's, taken when it woke: the timer can fire before the deadline itself.
        if let Some(deadline) = c.deadline
            && Instant::now() < deadline
        {
            uv_timer_start(c.timer, on_deadline, millis_until(deadline), 0);
            return;
        }
        unwatch(c);
        drive(call, Woke::TimedOut, true);
    }
}

/// Settles and frees a finished call.
unsafe fn finish(call: *mut Call, out: Outcome, in_callback: bool) {
    IN_FLIGHT.with(|f| f.borrow_mut().retain(|&c| c != call));
    // SAFETY: the loop's own call, off every list now; its poll handle is closed (it finished running).
    let c = unsafe { Box::from_raw(call) };
    unsafe {
        if !c.timer.is_null() {
            uv_close(c.timer, Some(free_handle));
        }
    }
    let (env, deferred) = (c.env, c.deferred);
    drop(c);
    // SAFETY: on the JS thread, with the call's own deferred (settled once).
    unsafe {
        if in_callback {
            settle_in_scope(env, deferred, &out);
        } else {
            crate::pool::settle_deferred(env, deferred, &out);
        }
    }
}

/// Settles from a libuv callback: in a handle scope and a callback scope, whose closing runs the Promise's
/// reactions (and `process.nextTick`s) as Node does after any callback into JS.
unsafe fn settle_in_scope(env: sys::napi_env, deferred: sys::napi_deferred, out: &Outcome) {
    // SAFETY: napi calls on the JS thread with valid out-pointers; the scopes are closed in reverse order.
    unsafe {
        let mut handles = ptr::null_mut();
        if sys::napi_open_handle_scope(env, &mut handles) != sys::Status::napi_ok {
            return;
        }
        let (resource_ref, context) = async_scope(env);
        let mut resource = ptr::null_mut();
        let mut scope = ptr::null_mut();
        let scoped = !resource_ref.is_null()
            && sys::napi_get_reference_value(env, resource_ref, &mut resource) == sys::Status::napi_ok
            && !resource.is_null()
            && sys::napi_open_callback_scope(env, resource, context, &mut scope) == sys::Status::napi_ok;
        crate::pool::settle_deferred(env, deferred, out);
        if scoped {
            sys::napi_close_callback_scope(env, scope);
        }
        sys::napi_close_handle_scope(env, handles);
    }
}

/// This environment's async resource and context for settling (made at the first settle).
unsafe fn async_scope(env: sys::napi_env) -> (sys::napi_ref, sys::napi_async_context) {
    let (resource_ref, context) = SCOPE.with(|s| s.get());
    if !resource_ref.is_null() {
        return (resource_ref, context);
    }
    // SAFETY: napi calls on the JS thread, inside the caller's handle scope.
    unsafe {
        let (mut resource, mut name, mut reference, mut context) =
            (ptr::null_mut(), ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
        if sys::napi_create_object(env, &mut resource) != sys::Status::napi_ok
            || sys::napi_create_string_utf8(env, c"payup".as_ptr(), 5, &mut name) != sys::Status::napi_ok
            || sys::napi_create_reference(env, resource, 1, &mut reference) != sys::Status::napi_ok
            || sys::napi_async_init(env, resource, name, &mut context) != sys::Status::napi_ok
        {
            return (ptr::null_mut(), ptr::null_mut());
        }
        SCOPE.with(|s| s.set((reference, context)));
        (reference, context)
    }
}

/// The environment is being torn down (a worker_thread ended, or the process exits): the suspended calls'
/// handles are closed (libuv's loop must close with none open) and their Promises left unsettled.
unsafe extern "C" fn torn_down(_arg: *mut c_void) {
    TORN_DOWN.with(|t| t.set(true));
    let calls = IN_FLIGHT.with(|f| std::mem::take(&mut *f.borrow_mut()));
    for call in calls {
        // SAFETY: suspended calls owned by the loop (none is running: this hook runs on the JS thread).
        unsafe {
            let mut c = Box::from_raw(call);
            unwatch(&mut c);
            if !c.timer.is_null() {
                uv_close(c.timer, Some(free_handle));
            }
            // Dropping the task leaves its suspended stack (`Task`'s Drop).
            drop(c);
        }
    }
}
