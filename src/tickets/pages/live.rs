//! What a ticket's page runs in the browser: the conversation, and what keeps the rest of the
//! page (rendered by the server) true. After every change to the ticket the live client hears of,
//! it takes the header's and the facts' new HTML from a fresh copy of the page; their forms (the
//! actions, the priority, the rating) post without leaving the page, which comes back with the
//! outcome (`ui::flash`); presence dots and SLA clocks follow the socket and the clock.

use leptos::prelude::*;

use crate::chat::view::ChatPanel;
use crate::domain::note::Note;
use crate::domain::ticket::{Message, Page};
use crate::domain::timeline::TimelineEntry;

/// The parts of the page the server renders again after a change (element ids).
#[cfg(feature = "hydrate")]
const REGIONS: [&str; 2] = ["ticket-head", "ticket-facts"];

/// `opening`: the ticket's description as its creator's first message; `closed`: as loaded.
#[island]
pub fn LiveTicket(ticket_id: i64, history: Page<TimelineEntry>, notes: Vec<Note>, opening: Message, closed: bool) -> impl IntoView {
    crate::ui::ready::island_ready();
    let closed = RwSignal::new(closed);
    #[cfg(feature = "hydrate")]
    let screen = browser::Screen::start(ticket_id, closed);
    let on_change = move |_| {
        #[cfg(feature = "hydrate")]
        screen.refresh();
    };
    view! { <ChatPanel ticket_id history notes opening on_change closed /> }
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{Document, Element, HtmlDetailsElement, HtmlFormElement};

    use super::REGIONS;
    use crate::client::LiveClient;
    use crate::ui::region;

    #[derive(Clone, Copy)]
    pub struct Screen {
        ticket_id: i64,
        closed: RwSignal<bool>,
        chat: LiveClient,
        /// Bumped each time new HTML came in.
        rendered: RwSignal<u64>,
        /// Loads started and shown, in order: an older load landing late is dropped.
        started: StoredValue<u64>,
        shown: StoredValue<u64>,
        /// A form is being posted: its outcome is what the page shows next.
        posting: StoredValue<bool>,
    }

    impl Screen {
        pub fn start(ticket_id: i64, closed: RwSignal<bool>) -> Self {
            let screen = Screen {
                ticket_id,
                closed,
                chat: expect_context::<LiveClient>(),
                rendered: RwSignal::new(0),
                started: StoredValue::new(0),
                shown: StoredValue::new(0),
                posting: StoredValue::new(false),
            };
            fold_facts_on_narrow_screens();
            crate::presence::view::paint_live(screen.chat, move || screen.rendered.track());
            crate::sla::pages::follow_static_clocks(move || screen.rendered.track());
            let submits = window_event_listener_untyped("submit", move |event| {
                if let Some(form) = region::form_inside(&event, &REGIONS) {
                    event.prevent_default();
                    screen.post(form);
                }
            });
            // A choice that applies at once (the priority): its form's Set button is for pages
            // without JavaScript.
            let changes = window_event_listener_untyped("change", move |event| {
                let marked = event.target().and_then(|t| t.dyn_into::<Element>().ok()).is_some_and(|t| t.has_attribute("data-submit-on-change"));
                if let Some(form) = region::form_inside(&event, &REGIONS).filter(|_| marked) {
                    let _ = form.request_submit();
                }
            });
            on_cleanup(move || {
                submits.remove();
                changes.remove();
            });
            screen
        }

        /// Shows the ticket as the server has it now.
        pub fn refresh(self) {
            if self.posting.get_value() {
                return;
            }
            let load = self.next();
            leptos::task::spawn_local(async move {
                if let Some(fresh) = region::this_page().await {
                    self.show(load, &fresh);
                }
            });
        }

        fn post(self, form: HtmlFormElement) {
            if self.posting.get_value() {
                return;
            }
            self.posting.set_value(true);
            let buttons = region::Busy::set(&form);
            let load = self.next();
            leptos::task::spawn_local(async move {
                let shown = match region::post(&form).await {
                    Some(fresh) => self.show(load, &fresh),
                    None => false,
                };
                if !shown {
                    buttons.clear();
                }
                self.posting.set_value(false);
            });
        }

        fn next(self) -> u64 {
            self.started.update_value(|n| *n += 1);
            self.started.get_value()
        }

        /// Takes the new HTML of the page's parts; when the ticket is gone for this person, one
        /// message and a way out instead of the whole screen. False when `fresh` had neither (a
        /// sign-in page: the conversation says the session ended).
        fn show(self, load: u64, fresh: &Document) -> bool {
            if load < self.shown.get_value() {
                return false;
            }
            self.shown.set_value(load);
            let shown = if REGIONS.iter().fold(false, |any, id| region::swap(fresh, id) || any) {
                let status = document().query_selector("[data-ticket-status]").ok().flatten().and_then(|h| h.get_attribute("data-ticket-status"));
                self.closed.set(status.as_deref() == Some("closed"));
                true
            } else if let Some(gone) = gone_message(fresh) {
                if let Ok(Some(screen)) = document().query_selector(".ticket-screen") {
                    screen.set_inner_html(&gone);
                }
                self.chat.close_room(self.ticket_id);
                true
            } else {
                false
            };
            self.rendered.update(|n| *n += 1);
            shown
        }
    }

    /// What the screen says when `fresh`, this page loaded again, shows no ticket while the
    /// person is still signed in (the app's header is there): the server's message when it
    /// rendered one, else the one it left in the page for this (another page came back).
    fn gone_message(fresh: &Document) -> Option<String> {
        fresh.query_selector(".app-header").ok().flatten()?;
        let served = fresh.query_selector(".ticket-screen").ok().flatten().map(|screen| screen.inner_html());
        served.or_else(|| document().get_element_by_id("ticket-gone").map(|template| template.inner_html()))
    }

    /// The facts are open from the server (and so without JavaScript); on a narrow screen the
    /// conversation needs the room.
    fn fold_facts_on_narrow_screens() {
        let narrow = window().match_media("(max-width: 48rem)").ok().flatten().is_some_and(|query| query.matches());
        let toggle = document().query_selector(".side-toggle").ok().flatten().and_then(|d| d.dyn_into::<HtmlDetailsElement>().ok());
        if let (true, Some(details)) = (narrow, toggle) {
            details.set_open(false);
        }
    }
}
