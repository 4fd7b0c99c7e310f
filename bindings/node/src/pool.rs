//! The addon's own worker threads for network calls, in place of napi's `AsyncTask` on libuv's pool.
//!
//! Why (issue 21, bench/README.md "Bindings against the Rust client"): libuv's pool has 4 threads
//! (`UV_THREADPOOL_SIZE`), so 16 concurrent calls on one client queued behind 4 blocking HTTP exchanges, and
//! every call paid two sleeping-thread wake-ups (the loop → a pool thread, the pool thread → the loop). Here
//! threads are started as calls need them (up to [`MAX_THREADS`]; an idle one exits after [`IDLE_EXIT`]).
//! Completions go back to the JS thread through one threadsafe function per client (`Completer`), which
//! settles the call's Promise there. A worker does not spin for the next call before it sleeps: measured
//! under load (bench/README.md), spinning 50–200 µs made sequential calls slower, not faster — the spinner
//! takes the core the sandbox or the JS thread needs.

use napi::sys;
use std::collections::VecDeque;
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;

/// Threads at most: as many calls run at once, the rest wait in order (each thread mostly waits for the
/// gateway's answer, so more threads than cores is the point).
const MAX_THREADS: usize = 64;
/// An idle worker thread exits after this long without a call.
const IDLE_EXIT: Duration = Duration::from_secs(30);

type Job = Box<dyn FnOnce() + Send>;

struct Pool {
    state: Mutex<State>,
    wake: Condvar,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Job>,
    threads: usize,
    /// Workers asleep on `wake` and not yet promised a wake-up.
    sleeping: usize,
    /// Wake-ups promised by `submit` and not yet taken (a condvar may also wake a thread spuriously).
    wakeups: usize,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| Pool { state: Mutex::new(State::default()), wake: Condvar::new() })
}

fn lock(p: &Pool) -> std::sync::MutexGuard<'_, State> {
    // A job never panics while holding the lock (jobs run outside it), so a poisoned lock's state is sound.
    p.state.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `job` on a worker thread.
pub fn submit(job: Job) {
    let p = pool();
    let mut st = lock(p);
    st.queue.push_back(job);
    if st.sleeping > 0 {
        st.sleeping -= 1;
        st.wakeups += 1;
        // Woken after the lock is let go: a worker woken while it is held would only block on it again.
        drop(st);
        p.wake.notify_one();
    } else if st.threads < MAX_THREADS {
        st.threads += 1;
        drop(st);
        if std::thread::Builder::new().name("payup-node".into()).spawn(worker).is_err() {
            // No thread could be started: the call waits for a running worker, if any.
            let mut st = lock(p);
            st.threads -= 1;
            if st.threads == 0 {
                // Nothing will ever run the queue: run this call here (blocking the JS thread once is
                // better than a Promise that never settles).
                let job = st.queue.pop_back();
                drop(st);
                if let Some(job) = job {
                    job();
                }
            }
        }
    }
}

fn next_job(p: &Pool) -> Option<Job> {
    let mut st = lock(p);
    loop {
        if let Some(job) = st.queue.pop_front() {
            return Some(job);
        }
        st.sleeping += 1;
        loop {
            let (guard, wait) = p.wake.wait_timeout(st, IDLE_EXIT).unwrap_or_else(|e| e.into_inner());
            st = guard;
            if st.wakeups > 0 {
                st.wakeups -= 1; // `submit` already took this thread off `sleeping`
                break;
            }
            if wait.timed_out() {
                st.sleeping -= 1;
                st.threads -= 1;
                return None;
            }
        }
    }
}

fn worker() {
    let p = pool();
    while let Some(job) = next_job(p) {
        job();
    }
}

// ---- completions on the JS thread --------------------------------------------------------------

/// What a call settles its Promise with.
pub enum Outcome {
    /// The resolved string, or the message of the `Error` it rejects with (an error document, which
    /// `index.js` converts).
    Text(Result<String, String>),
    /// A typed method's (`callFields`): the result as a JS value (`to_js.rs`), or the `PayupError` that
    /// `errorOf` makes of the error document — the factories of the `index.js` that made the call (`factories`:
    /// their number, `setFactories`).
    Typed { factories: u32, result: Result<payup_core::Response, String> },
}

impl Outcome {
    /// An internal failure (a panic, a task that could not start) of a typed call (`Some(factories)`) or a
    /// plain one.
    pub fn internal_failure(typed: Option<u32>) -> Outcome {
        let doc = internal_failure_doc();
        match typed {
            Some(factories) => Outcome::Typed { factories, result: Err(doc) },
            None => Outcome::Text(Err(doc)),
        }
    }
}

/// The error document of a call that failed inside payup (a panic, a task or a result that could not be made).
fn internal_failure_doc() -> String {
    payup_core::Operation::internal_failure("call").to_json().to_string()
}

struct Settle {
    deferred: sys::napi_deferred,
    outcome: Outcome,
}

/// What a client's threadsafe function, its callback and the workers share.
struct Shared {
    /// The threadsafe function, while it exists. Node deletes it when its environment is torn down (process
    /// exit, a worker_thread ending), possibly while a call is still running on a worker: `finalize` clears
    /// this under the lock first, and a worker only calls it under the lock, so nobody touches freed memory.
    tsfn: Mutex<sys::napi_threadsafe_function>,
    /// The same pointer for the JS thread, read without the lock: `finalize` also runs on the JS thread, so
    /// there it cannot change under a reader, and `spawn`/`settle` never wait for a worker that holds the
    /// lock while it hands its outcome over (that wait showed as 2% of a sequential call's time, spinning).
    tsfn_js: AtomicPtr<sys::napi_threadsafe_function__>,
    /// Calls whose Promise is not settled yet (touched on the JS thread only): while there is one, the
    /// threadsafe function keeps the event loop alive (as an `AsyncTask` did); an idle client does not hold
    /// the process open.
    in_flight: AtomicUsize,
}

// SAFETY: the threadsafe function is made to be called from any thread; it is only used under its lock.
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

impl Shared {
    fn tsfn(&self) -> std::sync::MutexGuard<'_, sys::napi_threadsafe_function> {
        self.tsfn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One client's way back to its JS thread: a threadsafe function whose callback settles a call's Promise.
pub struct Completer {
    shared: Arc<Shared>,
}

/// A `napi_status` that is not `napi_ok` as a napi error.
pub(crate) fn check(status: sys::napi_status, what: &str) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::from_reason(format!("payup: {what} failed (napi status {status})")))
    }
}

impl Completer {
    pub fn new(env: sys::napi_env) -> napi::Result<Completer> {
        let shared = Arc::new(Shared {
            tsfn: Mutex::new(ptr::null_mut()),
            tsfn_js: AtomicPtr::new(ptr::null_mut()),
            in_flight: AtomicUsize::new(0),
        });
        let context = Arc::into_raw(shared.clone()).cast_mut();
        let mut name = ptr::null_mut();
        let mut tsfn = ptr::null_mut();
        // SAFETY: plain napi calls on the JS thread with valid out-pointers; `context` is one reference to
        // `shared`, given up by `finalize` (or here, when the function cannot be made).
        unsafe {
            let status = match sys::napi_create_string_utf8(env, c"payup".as_ptr(), 5, &mut name) {
                sys::Status::napi_ok => sys::napi_create_threadsafe_function(
                    env,
                    ptr::null_mut(),
                    ptr::null_mut(),
                    name,
                    0, // no queue limit: a worker never blocks on it
                    1, // this Completer's own hold, released by Drop
                    ptr::null_mut(),
                    Some(finalize),
                    context.cast(),
                    Some(settle),
                    &mut tsfn,
                ),
                status => status,
            };
            if status != sys::Status::napi_ok {
                drop(Arc::from_raw(context));
                check(status, "napi_create_threadsafe_function")?;
            }
            *shared.tsfn() = tsfn;
            shared.tsfn_js.store(tsfn, Ordering::Relaxed);
            check(sys::napi_unref_threadsafe_function(env, tsfn), "napi_unref_threadsafe_function")?;
        }
        Ok(Completer { shared })
    }

    /// A new Promise, and `run` started on a worker thread; its outcome settles the Promise on the JS thread.
    pub fn spawn(
        &self,
        env: sys::napi_env,
        typed: Option<u32>,
        run: impl FnOnce() -> Outcome + Send + 'static,
    ) -> napi::Result<sys::napi_value> {
        let mut deferred = ptr::null_mut();
        let mut promise = ptr::null_mut();
        {
            let tsfn = self.shared.tsfn_js.load(Ordering::Relaxed);
            if tsfn.is_null() {
                return Err(napi::Error::from_reason("payup: the environment is shutting down"));
            }
            // SAFETY: on the JS thread (a #[napi] method), with the threadsafe function alive (non-null, and
            // only `finalize` on this same thread clears it); the acquire keeps it alive until the worker has
            // called it (released there).
            unsafe {
                check(sys::napi_create_promise(env, &mut deferred, &mut promise), "napi_create_promise")?;
                check(sys::napi_acquire_threadsafe_function(tsfn), "napi_acquire_threadsafe_function")?;
                if self.shared.in_flight.fetch_add(1, Ordering::Relaxed) == 0 {
                    sys::napi_ref_threadsafe_function(env, tsfn);
                }
            }
        }
        let shared = self.shared.clone();
        let deferred = SendPtr(deferred.cast::<c_void>());
        submit(Box::new(move || {
            let deferred = deferred;
            // A panic in `run` would unwind into the worker loop and lose the Promise: callers catch their
            // own (see `lib.rs`), this is the last guard.
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run))
                .unwrap_or_else(|_| Outcome::internal_failure(typed));
            let data = Box::into_raw(Box::new(Settle { deferred: deferred.0.cast(), outcome }));
            let tsfn = shared.tsfn();
            // SAFETY: the threadsafe function is alive while non-null under its lock, and held by this call
            // (acquired in `spawn`) until the release here.
            unsafe {
                let status = if tsfn.is_null() {
                    sys::Status::napi_closing
                } else {
                    sys::napi_call_threadsafe_function(*tsfn, data.cast(), sys::ThreadsafeFunctionCallMode::nonblocking)
                };
                if status != sys::Status::napi_ok {
                    // The environment is being torn down: nobody is left to settle for.
                    drop(Box::from_raw(data));
                }
                if !tsfn.is_null() {
                    sys::napi_release_threadsafe_function(*tsfn, sys::ThreadsafeFunctionReleaseMode::release);
                }
            }
        }));
        Ok(promise)
    }
}

impl Drop for Completer {
    fn drop(&mut self) {
        let tsfn = self.shared.tsfn();
        if !tsfn.is_null() {
            // SAFETY: alive (non-null under its lock); releases this Completer's own hold. In-flight calls
            // hold theirs, so `settle` still runs for them.
            unsafe {
                sys::napi_release_threadsafe_function(*tsfn, sys::ThreadsafeFunctionReleaseMode::release);
            }
        }
    }
}

#[derive(Clone, Copy)]
struct SendPtr<T>(*mut T);
// SAFETY: a napi_deferred, only dereferenced by napi on the JS thread (in `settle`).
unsafe impl<T> Send for SendPtr<T> {}

/// The threadsafe function is being deleted (its last hold released, or its environment torn down).
unsafe extern "C" fn finalize(_env: sys::napi_env, _data: *mut c_void, hint: *mut c_void) {
    // SAFETY: `hint` is the reference to `Shared` given in `Completer::new`, given up here once.
    let shared = unsafe { Arc::from_raw(hint.cast::<Shared>().cast_const()) };
    *shared.tsfn() = ptr::null_mut();
    shared.tsfn_js.store(ptr::null_mut(), Ordering::Relaxed);
}

/// The threadsafe function's callback, on the JS thread: settles one call's Promise.
unsafe extern "C" fn settle(
    env: sys::napi_env,
    _js_callback: sys::napi_value,
    context: *mut c_void,
    data: *mut c_void,
) {
    // SAFETY: `data` is the `Settle` boxed by a worker, handed over once; `context` is the `Shared`
    // referenced until `finalize`, which cannot run during this callback.
    let settle = unsafe { Box::from_raw(data.cast::<Settle>()) };
    if env.is_null() {
        return; // the environment is being torn down: its Promises go with it
    }
    let shared = unsafe { &*context.cast::<Shared>().cast_const() };
    unsafe {
        if shared.in_flight.fetch_sub(1, Ordering::Relaxed) == 1 {
            // Idle again: the event loop may end. The worker that queued this still holds the function.
            let tsfn = shared.tsfn_js.load(Ordering::Relaxed);
            if !tsfn.is_null() {
                sys::napi_unref_threadsafe_function(env, tsfn);
            }
        }
        settle_deferred(env, settle.deferred, &settle.outcome);
    }
}

/// Resolves `deferred` with the outcome's value, or rejects it with its error.
///
/// # Safety
/// On the JS thread of `env`, inside a handle scope, with a deferred not settled yet.
pub(crate) unsafe fn settle_deferred(env: sys::napi_env, deferred: sys::napi_deferred, outcome: &Outcome) {
    // SAFETY: as the caller promises.
    unsafe {
        let (value, ok) = match outcome {
            Outcome::Text(Ok(s)) => (crate::to_js::js_string(env, s), true),
            Outcome::Text(Err(s)) => (plain_error(env, s), false),
            Outcome::Typed { factories, result: Ok(r) } => match crate::to_js::to_js(env, *factories, r) {
                Some(v) => (Some(v), true),
                None => {
                    let doc = internal_failure_doc();
                    (crate::to_js::typed_error(env, *factories, &doc).or_else(|| plain_error(env, &doc)), false)
                }
            },
            Outcome::Typed { factories, result: Err(s) } => {
                (crate::to_js::typed_error(env, *factories, s).or_else(|| plain_error(env, s)), false)
            }
        };
        let Some(value) = value else { return };
        if ok {
            sys::napi_resolve_deferred(env, deferred, value);
        } else {
            sys::napi_reject_deferred(env, deferred, value);
        }
    }
}

/// An `Error` whose message is `text`.
unsafe fn plain_error(env: sys::napi_env, text: &str) -> Option<sys::napi_value> {
    // SAFETY: napi on the JS thread (the callers').
    unsafe {
        let message = crate::to_js::js_string(env, text)?;
        let mut error = ptr::null_mut();
        (sys::napi_create_error(env, ptr::null_mut(), message, &mut error) == sys::Status::napi_ok).then_some(error)
    }
}
