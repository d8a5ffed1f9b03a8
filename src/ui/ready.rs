//! When the page is interactive: it has hydrated, which `hydrate()` says once (and marks
//! `<body data-hydrated>`, which tests and the stylesheet read). What must not change a view
//! before it has hydrated (hydration keeps the server's text) waits for it: the clock and the
//! live client's first connection.

/// Runs `then` once the page has hydrated (at once, if it has; client-side navigations come after).
pub fn when_page_ready(then: impl FnOnce() + 'static) {
    #[cfg(feature = "hydrate")]
    browser::when_ready(Box::new(then));
    #[cfg(not(feature = "hydrate"))]
    let _ = then;
}

/// From `hydrate()`, once `hydrate_body` has returned.
#[cfg(feature = "hydrate")]
pub fn page_hydrated() {
    browser::ready();
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::{Cell, RefCell};

    use leptos::prelude::document;

    thread_local! {
        static READY: Cell<bool> = const { Cell::new(false) };
        static WAITING: RefCell<Vec<Box<dyn FnOnce()>>> = const { RefCell::new(Vec::new()) };
    }

    pub fn when_ready(then: Box<dyn FnOnce()>) {
        if READY.get() { then() } else { WAITING.with_borrow_mut(|waiting| waiting.push(then)) }
    }

    pub fn ready() {
        READY.set(true);
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
        for then in WAITING.take() {
            then();
        }
    }
}
