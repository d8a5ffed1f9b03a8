//! A list's rows in the browser (`list::LiveList`): the server renders them; this loads them
//! again when the live client hears of something that changes them, and between loads follows
//! what it knows better than the last load: unread counts, presence, SLA clocks, new tickets.
#![cfg(feature = "hydrate")]

use std::time::Duration;

use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys::Element;

use super::ListKind;
use crate::client::LiveClient;
use crate::client::room::ConnectionState;

/// The element holding the rows (the server's HTML, swapped whole).
const ROWS: &str = "ticket-rows";
/// Changes often come in bursts (a message and its read, several tickets at once): one load.
const SETTLE: Duration = Duration::from_millis(150);

/// `counted_again`: the tabs' counts are stale too.
pub fn start(kind: ListKind, counted_again: impl Fn() + Copy + 'static) {
    let Some(chat) = use_context::<LiveClient>() else { return };
    // Bumped each time new rows came in.
    let rendered = RwSignal::new(0u64);
    let waiting = StoredValue::new(false);
    let load = move || {
        if waiting.get_value() {
            return;
        }
        waiting.set_value(true);
        set_timeout(
            move || {
                waiting.set_value(false);
                leptos::task::spawn_local(async move {
                    if crate::ui::region::reload(ROWS).await {
                        rendered.update(|n| *n += 1);
                    }
                });
                counted_again();
            },
            SETTLE,
        );
    };
    // A ticket on screen changes status or assignee, or gets a message; a ticket is opened (the
    // inbox); the socket is back after a break (notices may have been missed meanwhile); the
    // server confirms it now announces new tickets (one opened before that would be missed).
    Effect::new(move |previous: Option<(u64, usize, bool, u64, i64)>| {
        let now = (
            chat.list_changes.get(),
            chat.new_tickets.with(Vec::len),
            chat.connection.get() == ConnectionState::Live,
            chat.inbox_watched.get(),
            chat.previews.with(|previews| previews.values().map(|last| last.at.timestamp_millis()).sum()),
        );
        if previous.is_some_and(|p| p.0 != now.0 || p.1 != now.1 || (!p.2 && now.2) || p.3 != now.3 || p.4 != now.4) {
            load();
        }
        now
    });
    // What the rows on screen are: followed, their unread counts known, new ones highlighted.
    Effect::new(move |_| {
        rendered.track();
        let rows = rows();
        for row in &rows {
            let number = |name: &str| row.get_attribute(name).and_then(|value| value.parse::<i64>().ok());
            if let (Some(id), Some(unread), Some(seq)) = (number("data-ticket-id"), number("data-unread"), number("data-last-seq")) {
                chat.seed_unread(id, unread, seq);
            }
        }
        chat.watch(rows.iter().filter_map(|row| row_id(row)).collect());
    });
    Effect::new(move |_| {
        rendered.track();
        let fresh = chat.new_tickets.get();
        for row in rows() {
            if row_id(&row).is_some_and(|id| fresh.contains(&id)) {
                let _ = row.class_list().add_1("fresh");
            }
        }
    });
    Effect::new(move |_| {
        rendered.track();
        for row in rows() {
            if let (Some(id), Ok(Some(slot))) = (row_id(&row), row.query_selector(".unread-slot")) {
                paint_unread(&slot, chat.unread_of(id));
            }
        }
    });
    crate::presence::view::paint_live(chat, move || rendered.track());
    crate::sla::pages::follow_static_clocks(move || rendered.track());
    if kind == ListKind::Inbox {
        chat.watch_inbox(true);
    }
    on_cleanup(move || {
        chat.watch(Vec::new());
        if kind == ListKind::Inbox {
            chat.watch_inbox(false);
        }
    });
}

fn rows() -> Vec<Element> {
    let Ok(list) = document().query_selector_all(&format!("#{ROWS} [data-ticket-id]")) else { return Vec::new() };
    (0..list.length()).filter_map(|index| list.item(index)?.dyn_into::<Element>().ok()).collect()
}

fn row_id(row: &Element) -> Option<i64> {
    row.get_attribute("data-ticket-id")?.parse().ok()
}

/// The row's badge as `unread::view::UnreadBadge` renders it; None: as the server had it.
fn paint_unread(slot: &Element, count: Option<i64>) {
    let Some(count) = count else { return };
    if count <= 0 {
        slot.set_inner_html("");
        return;
    }
    let text = crate::domain::unread::badge(count);
    let label = (crate::i18n::t().common.unread_count)(&text);
    let badge = match slot.first_element_child() {
        Some(badge) => badge,
        None => {
            let Ok(badge) = document().create_element("span") else { return };
            let _ = badge.set_attribute("class", "unread-badge");
            let _ = badge.set_attribute("data-testid", "unread");
            let _ = slot.append_child(&badge);
            badge
        }
    };
    let _ = badge.set_attribute("aria-label", &label);
    badge.set_text_content(Some(&text));
}
