//! The socket itself (gloo-net's futures WebSocket, one task per connection): connect,
//! reconnect with backoff and jitter, rejoin, resend; stop for good when the session ends or
//! the app frame goes away.

use std::time::Duration;

use futures_channel::mpsc;
use futures_util::future::{Either, select};
use futures_util::{SinkExt, StreamExt};
use gloo_net::websocket::futures::WebSocket;
use gloo_net::websocket::{Message, State, WebSocketError};
use leptos::prelude::*;
use leptos::prelude::{IntervalHandle, WindowListenerHandle};

use super::LiveClient;
use super::room::{ConnectionState, PendingState, Room};
use crate::domain::live::{ClientEvent, ServerEvent};
use crate::error::Problem;

/// The current connection: frames queued here go out in order once it is open.
pub struct Live {
    outgoing: mpsc::UnboundedSender<String>,
    id: u64,
}

/// Why a connection ended.
enum Ended {
    /// The server ended the session (logout, expiry, deactivation): do not come back.
    SessionEnded,
    /// The client let go of it (offline, the app frame unmounted).
    Dropped,
    /// Anything else: reconnect.
    Lost,
}

pub fn start(client: LiveClient) {
    // Once the page has hydrated: it hydrates what the server rendered, so
    // nothing the socket says may change it before.
    crate::ui::ready::when_page_ready(move || connect(client));
    let online = window_event_listener(leptos::ev::online, move |_| {
        if client.connection.get_untracked() == ConnectionState::Offline {
            connect(client);
        }
    });
    let offline = window_event_listener(leptos::ev::offline, move |_| {
        if client.connection.get_untracked() != ConnectionState::SessionEnded {
            client.connection.set(ConnectionState::Offline);
            client.socket.set_value(None);
        }
    });
    // A page being left (or put in the back-forward cache) does not reconnect meanwhile.
    let hidden = window_event_listener(leptos::ev::pagehide, move |_| client.stop());
    let shown = window_event_listener(leptos::ev::pageshow, move |event| {
        if event.persisted() && client.stopped.get_value() {
            client.stopped.set_value(false);
            connect(client);
        }
    });
    let idle_watch = client.me.with_value(|me| me.role.is_staff()).then(|| watch_use(client));
    // Signing out or leaving the app area unmounts the frame: no listener, timer or socket
    // outlives it.
    on_cleanup(move || {
        for listener in [online, offline, hidden, shown] {
            listener.remove();
        }
        if let Some((listeners, timer)) = idle_watch {
            listeners.into_iter().for_each(|listener| listener.remove());
            timer.inspect(|timer| timer.clear());
        }
        client.stop();
    });
}

/// A staff tab not used for `IDLE_AFTER_SECONDS` tells the server it is idle (a person whose
/// every tab is idle shows as away), and that it is in use again at the next key or click.
fn watch_use(client: LiveClient) -> (Vec<WindowListenerHandle>, Option<IntervalHandle>) {
    let used = move || {
        client.last_used.set_value(js_sys::Date::now());
        if client.idle.get_value() {
            client.idle.set_value(false);
            client.send_event(&ClientEvent::Idle { idle: false });
        }
    };
    let listeners = vec![
        window_event_listener(leptos::ev::keydown, move |_| used()),
        window_event_listener(leptos::ev::pointerdown, move |_| used()),
        window_event_listener(leptos::ev::wheel, move |_| used()),
        window_event_listener(leptos::ev::focus, move |_| used()),
    ];
    let limit = crate::domain::presence::IDLE_AFTER_SECONDS as f64 * 1000.0;
    let timer = set_interval_with_handle(
        move || {
            if !client.idle.get_value() && js_sys::Date::now() - client.last_used.get_value() >= limit {
                client.idle.set_value(true);
                client.send_event(&ClientEvent::Idle { idle: true });
            }
        },
        Duration::from_secs(15),
    )
    .ok();
    (listeners, timer)
}

fn connect(client: LiveClient) {
    if client.stopped.get_value() || client.connection.get_untracked() == ConnectionState::SessionEnded {
        return;
    }
    let location = window().location();
    let scheme = if location.protocol().unwrap_or_default() == "https:" { "wss" } else { "ws" };
    let url = format!("{scheme}://{}/ws", location.host().unwrap_or_default());
    let Ok(socket) = WebSocket::open(&url) else {
        schedule_reconnect(client);
        return;
    };
    if client.connection.get_untracked() != ConnectionState::Offline {
        client.connection.set(ConnectionState::Connecting);
    }
    let id = client.attempts.get_value() as u64 ^ (js_sys::Math::random() * 1e15) as u64;
    let (outgoing, queue) = mpsc::unbounded();
    client.socket.set_value(Some(Live { outgoing, id }));
    // Queued now, sent as soon as the socket opens: what to follow, and every room from
    // where it left off, with the messages still waiting for their ack.
    client.send_event(&ClientEvent::Watch { ticket_ids: client.followed() });
    client.load_unread();
    if client.following.with_value(super::Following::inbox_watched) {
        client.send_event(&ClientEvent::WatchInbox { on: true });
    }
    // A new connection counts as in use until told otherwise.
    if client.idle.get_value() {
        client.send_event(&ClientEvent::Idle { idle: true });
    }
    let rooms: Vec<Room> = client.following.with_value(super::Following::rooms);
    for room in rooms {
        client.join(room);
        let waiting: Vec<String> = room.pending.with_untracked(|pending| {
            pending.iter().filter(|p| p.state == PendingState::Sending).map(|p| p.client_id.clone()).collect()
        });
        for client_id in waiting {
            client.transmit(room, &client_id);
        }
    }
    leptos::task::spawn_local(async move {
        let ended = run(client, socket, queue).await;
        // Only the current connection's end matters (an old one may end late).
        let current = client.socket.try_with_value(|live| live.as_ref().is_some_and(|l| l.id == id)).unwrap_or(false);
        if client.stopped.try_get_value().unwrap_or(true) {
            return;
        }
        match ended {
            Ended::SessionEnded => {
                client.socket.set_value(None);
                client.connection.set(ConnectionState::SessionEnded);
                client.session_ended();
            }
            Ended::Lost if current => {
                client.socket.set_value(None);
                let online = window().navigator().on_line();
                client.connection.set(if online { ConnectionState::Reconnecting } else { ConnectionState::Offline });
                if online {
                    schedule_reconnect(client);
                }
            }
            Ended::Lost | Ended::Dropped => {}
        }
    });
}

/// Serves one connection until it ends: queued frames out, server events in.
async fn run(client: LiveClient, mut socket: WebSocket, mut queue: mpsc::UnboundedReceiver<String>) -> Ended {
    // The sink is ready once the socket is open, or has failed to open.
    let _ = std::future::poll_fn(|cx| SinkExt::<Message>::poll_ready_unpin(&mut socket, cx)).await;
    if !matches!(socket.state(), State::Open) {
        return Ended::Lost;
    }
    if !client.alive() {
        return Ended::Dropped;
    }
    client.connection.set(ConnectionState::Live);
    client.attempts.set_value(0);
    loop {
        // The other side's unfinished future borrows the socket: let it go before acting.
        let step = match select(queue.next(), socket.next()).await {
            Either::Left((outgoing, _)) => Either::Left(outgoing),
            Either::Right((incoming, _)) => Either::Right(incoming),
        };
        match step {
            Either::Left(Some(text)) => {
                // A closing socket takes nothing more (the browser would only log an error).
                if !matches!(socket.state(), State::Open) || socket.send(Message::Text(text)).await.is_err() {
                    return Ended::Lost;
                }
            }
            // The client dropped this connection; closing the socket is part of dropping it.
            Either::Left(None) => {
                let _ = socket.close(Some(1000), None);
                return Ended::Dropped;
            }
            Either::Right(Some(Ok(Message::Text(text)))) => {
                // The frame went (signing out): nothing is left to apply it to.
                if !client.alive() {
                    let _ = socket.close(Some(1000), None);
                    return Ended::Dropped;
                }
                if let Ok(event) = serde_json::from_str::<ServerEvent>(&text) {
                    client.apply(event);
                }
            }
            Either::Right(Some(Ok(Message::Bytes(_)))) => {}
            Either::Right(Some(Err(WebSocketError::ConnectionClose(close)))) if close.code == 1008 => return Ended::SessionEnded,
            Either::Right(Some(Err(_)) | None) => return Ended::Lost,
        }
    }
}

/// Exponential backoff (0.5 s doubling to 15 s) with jitter, so that clients of a restarted
/// node do not all return at the same instant.
fn schedule_reconnect(client: LiveClient) {
    let attempt = client.attempts.get_value();
    client.attempts.set_value(attempt + 1);
    let ceiling = (500.0 * 2f64.powi(attempt.min(5) as i32)).min(15_000.0);
    let delay = ceiling * (0.5 + js_sys::Math::random() / 2.0);
    set_timeout(
        move || {
            if client.connection.try_get_untracked() == Some(ConnectionState::Reconnecting) {
                connect(client);
            }
        },
        Duration::from_millis(delay as u64),
    );
}

impl LiveClient {
    /// The app frame that made this client is still there (its state is not disposed).
    pub(super) fn alive(&self) -> bool {
        self.stopped.try_get_value() == Some(false)
    }

    pub(super) fn send_event(&self, event: &ClientEvent) {
        let text = serde_json::to_string(event).unwrap_or_default();
        // Views let go of rooms and lists as the frame goes: after it, there is nobody to tell.
        self.socket.try_with_value(|live| {
            if let Some(live) = live {
                let _ = live.outgoing.unbounded_send(text);
            }
        });
    }

    pub(super) fn join(&self, room: Room) {
        let after_note_seq = room.note_seq.get_value();
        self.send_event(&ClientEvent::Join { ticket_id: room.ticket_id, after_seq: Some(room.last_seq()), after_note_seq });
    }

    pub(super) fn transmit(&self, room: Room, client_id: &str) {
        let found = room.pending.with_untracked(|pending| {
            pending.iter().find(|p| p.client_id == client_id).map(|p| (p.content.clone(), p.attachments.iter().map(|a| a.id).collect()))
        });
        if let Some((content, attachment_ids)) = found {
            // Without a socket it stays "sending" and goes out when one is open again.
            self.send_event(&ClientEvent::Send { ticket_id: room.ticket_id, client_id: client_id.to_owned(), content, attachment_ids });
        }
    }

    /// No socket and no reconnecting until `connect` is called again.
    fn stop(&self) {
        let _ = self.stopped.try_set_value(true);
        self.socket.try_update_value(|live| *live = None);
    }

    /// Nobody is here any more as far as this tab knows, and nothing waiting will be sent.
    fn session_ended(&self) {
        let rooms: Vec<Room> = self.following.with_value(super::Following::rooms);
        for room in rooms {
            room.members.set(Vec::new());
            room.typing.set(Vec::new());
            room.pending.update(|pending| {
                for p in pending.iter_mut().filter(|p| p.state == PendingState::Sending) {
                    p.state = PendingState::Failed(Problem::SessionEndedUnsent);
                }
            });
        }
    }
}
