//! What keeps a list current in the browser beyond its rows (`list::TicketRows` patches those from
//! the live client's reports): the tickets on screen are followed and their unread counts seeded
//! from each load; the rows load again only when the socket cannot have told everything (it came
//! back after a break; the inbox's announcements started after the load).
#![cfg(feature = "hydrate")]

use std::time::Duration;

use leptos::prelude::*;

use super::{ListKind, LoadedRows, OnScreen};
use crate::client::LiveClient;
use crate::client::room::ConnectionState;

/// Changes often come in bursts (a message and its read, several tickets at once): one load.
const SETTLE: Duration = Duration::from_millis(150);

/// `stale`: the rows (and the tabs' counts) may be out of date; load them again.
pub fn start(kind: ListKind, rows: LoadedRows, on_screen: OnScreen, stale: impl Fn() + Copy + 'static) {
    let Some(chat) = use_context::<LiveClient>() else { return };
    let load = settled(chat, stale);
    // The socket is back after a break (notices may have been missed meanwhile); the server
    // confirms it now announces new tickets (one opened before that would be missed); another
    // tab read what this one counted.
    Effect::new(move |previous: Option<(u64, bool, u64)>| {
        let now = (chat.list_changes.get(), chat.connection.get() == ConnectionState::Live, chat.inbox_watched.get());
        if previous.is_some_and(|p| p.0 != now.0 || (!p.1 && now.1) || p.2 != now.2) {
            load();
        }
        now
    });
    // Each load's unread counts are the newest the server knows.
    Effect::new(move |_| {
        let Some(Ok(page)) = rows.get() else { return };
        for ticket in &page.items {
            chat.seed_unread(ticket.id, ticket.unread, ticket.last_seq);
        }
    });
    // What the rows on screen are: followed.
    let view = chat.new_view();
    Effect::new(move |_| chat.watch(view, on_screen.0.get()));
    if kind == ListKind::Inbox {
        chat.watch_inbox(view);
    }
    on_cleanup(move || chat.unwatch(view));
}

/// `run`, once per burst of calls (a message and its read, several tickets at once), while the
/// socket is live (offline, a load could only fail and show an error over good rows: the
/// socket's return loads them again).
fn settled(chat: LiveClient, run: impl Fn() + Copy + 'static) -> impl Fn() + Copy + 'static {
    let waiting = StoredValue::new(false);
    move || {
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
                if chat.connection.try_get_untracked() == Some(ConnectionState::Live) {
                    run();
                }
            },
            SETTLE,
        );
    }
}
