//! What keeps a list's rows current in the browser (`list::LiveList` renders them): the rows load
//! again, as data, when the live client hears of something that changes them; the tickets on
//! screen are followed and their unread counts seeded from each load.
#![cfg(feature = "hydrate")]

use std::time::Duration;

use leptos::prelude::*;

use super::{ListKind, LoadedRows};
use crate::client::LiveClient;
use crate::client::room::ConnectionState;

/// Changes often come in bursts (a message and its read, several tickets at once): one load.
const SETTLE: Duration = Duration::from_millis(150);

/// `stale`: the rows (and the tabs' counts) are out of date; load them again.
pub fn start(kind: ListKind, rows: LoadedRows, stale: impl Fn() + Copy + 'static) {
    let Some(chat) = use_context::<LiveClient>() else { return };
    let waiting = StoredValue::new(false);
    let load = move || {
        if waiting.get_value() {
            return;
        }
        waiting.set_value(true);
        set_timeout(
            move || {
                // The list may be gone by now.
                if waiting.try_set_value(false).is_some() {
                    return;
                }
                // Offline, a load could only fail (and show an error over good rows): the
                // socket's return loads them again.
                if chat.connection.try_get_untracked() == Some(ConnectionState::Live) {
                    stale();
                }
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
    // What the rows on screen are: followed, their unread counts known.
    let view = chat.new_view();
    Effect::new(move |_| {
        let Some(Ok(page)) = rows.get() else { return };
        for ticket in &page.items {
            chat.seed_unread(ticket.id, ticket.unread, ticket.last_seq);
        }
        chat.watch(view, page.items.iter().map(|ticket| ticket.id).collect());
    });
    if kind == ListKind::Inbox {
        chat.watch_inbox(view);
    }
    on_cleanup(move || chat.unwatch(view));
}
