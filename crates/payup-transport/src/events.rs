//! Delivers core's exchange events ([`payup_core::event`], issue 20): a `tracing` event (target `payup`,
//! level DEBUG) and the client's listener. An event is built only when one of them listens: the check is a
//! `tracing` level test and an atomic load, and a listener may decline per exchange
//! ([`EventListener::enabled`], e.g. Python's `logger.isEnabledFor(DEBUG)`).

use arc_swap::ArcSwapOption;
use payup_core::Event;
use std::sync::Arc;

/// Receives one [`Event`] per HTTP exchange, on the thread that makes the call, after the exchange (and
/// before the call returns). Closures `Fn(&Event) + Send + Sync` are listeners.
pub trait EventListener: Send + Sync {
    /// Whether to build the next event at all (default: yes). Asked once per exchange.
    fn enabled(&self) -> bool {
        true
    }
    /// One exchange, redacted. A panic here is caught and ignored: it must not turn a payment's outcome
    /// into an unknown one.
    fn on_exchange(&self, event: &Event);
}

impl<F: Fn(&Event) + Send + Sync> EventListener for F {
    fn on_exchange(&self, event: &Event) {
        self(event)
    }
}

struct Slot(Arc<dyn EventListener>);

/// The client's listener slot (shared by its clones, like the pool).
#[derive(Clone, Default)]
pub(crate) struct Events {
    listener: Arc<ArcSwapOption<Slot>>,
}

impl Events {
    pub(crate) fn set(&self, listener: Option<Arc<dyn EventListener>>) {
        self.listener.store(listener.map(|l| Arc::new(Slot(l))));
    }

    /// Builds the event with `build` and delivers it, when anyone listens; otherwise does nothing.
    pub(crate) fn emit(&self, build: impl FnOnce() -> Event) {
        let tracing_on = tracing::enabled!(target: "payup", tracing::Level::DEBUG);
        let slot = self.listener.load();
        let listener = slot.as_ref().map(|s| &s.0).filter(|l| l.enabled());
        if !tracing_on && listener.is_none() {
            return;
        }
        let event = build();
        if tracing_on {
            tracing::debug!(
                target: "payup",
                operation = event.operation,
                gateway = event.gateway,
                status = event.status,
                duration_ms = event.duration_ms,
                outcome = event.outcome.kind,
                event = %event.to_json(),
                "{} {} {} {}",
                event.operation,
                event.method,
                event.url,
                event.status.map_or_else(|| "(no answer)".to_string(), |s| s.to_string()),
            );
        }
        if let Some(l) = listener {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| l.on_exchange(&event)));
        }
    }
}
