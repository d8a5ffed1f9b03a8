//! When a page is interactive: every island on it has hydrated. The islands hydrate one after
//! another, so each says so (`island_ready`), and the last one marks `<body data-hydrated>`
//! (tests wait for it) and runs what waited for the page: the clock and the live client, whose
//! changes must not reach a server-rendered view before it has hydrated (hydration keeps the
//! server's text).

/// Called once at the top of every `#[island]`.
pub fn island_ready() {
    #[cfg(feature = "hydrate")]
    leptos::prelude::Effect::new(|_| browser::one_more());
}

/// Runs `then` once the whole page has hydrated (at once, if it has).
pub fn when_page_ready(then: impl FnOnce() + 'static) {
    #[cfg(feature = "hydrate")]
    browser::when_ready(Box::new(then));
    #[cfg(not(feature = "hydrate"))]
    let _ = then;
}

/// From `hydrate()`: a page without islands is ready at once.
#[cfg(feature = "hydrate")]
pub fn page_started() {
    browser::check();
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::{Cell, RefCell};

    use leptos::prelude::document;

    thread_local! {
        static HYDRATED: Cell<u32> = const { Cell::new(0) };
        static READY: Cell<bool> = const { Cell::new(false) };
        static WAITING: RefCell<Vec<Box<dyn FnOnce()>>> = const { RefCell::new(Vec::new()) };
    }

    pub fn one_more() {
        HYDRATED.set(HYDRATED.get() + 1);
        check();
    }

    pub fn when_ready(then: Box<dyn FnOnce()>) {
        if READY.get() { then() } else { WAITING.with_borrow_mut(|waiting| waiting.push(then)) }
    }

    /// Every `<leptos-island>` is a separate hydration (islands nested in an island's own view
    /// have no element of their own).
    pub fn check() {
        let islands = document().query_selector_all("leptos-island").map_or(0, |list| list.length());
        if READY.get() || HYDRATED.get() < islands {
            return;
        }
        READY.set(true);
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
        for then in WAITING.take() {
            then();
        }
    }
}
