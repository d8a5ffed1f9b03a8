//! The chat panel of a ticket page: the live timeline, own messages while they are sent, who is
//! here and typing, the connection state, and the composer.

use std::time::Duration;

use leptos::either::Either;
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::prelude::*;

use super::protocol::MESSAGE_MAX_CHARS;
use crate::timeline::model::TimelineEntry;
use super::store::{ChatClient, ConnectionState, PendingState, Room};
use crate::tickets::api::ticket_messages;
use crate::tickets::model::{Message, Page};
use crate::ui::format_time;

const HISTORY_PAGE: i64 = 50;

#[component]
pub fn ChatPanel(
    ticket_id: i64,
    history: Page<Message>,
    /// Called after a status or assignment change arrives, to reload the ticket.
    #[prop(into)]
    on_change: Callback<()>,
    /// The ticket is closed: no composer.
    #[prop(into)]
    closed: Signal<bool>,
) -> impl IntoView {
    let chat = expect_context::<ChatClient>();
    let room = chat.open_room(ticket_id, history.items);
    on_cleanup(move || chat.close_room(ticket_id));
    Effect::new(move |previous: Option<u64>| {
        let now = room.changes.get();
        if previous.is_some_and(|p| p != now) {
            on_change.run(());
        }
        now
    });

    view! {
        <section class="chat" aria-label="Conversation">
            <div class="chat-head">
                <h2>"Conversation"</h2>
                <ConnectionBadge state=chat.connection />
            </div>
            <Presence room />
            <OlderMessages room cursor=history.next_cursor />
            <Timeline room chat />
            <TypingLine room />
            {move || room.problem.get().map(|problem| view! { <p class="form-error" role="alert">{problem}</p> })}
            <Show
                when=move || !closed.get()
                fallback=|| view! { <p class="muted">"This ticket is closed; the conversation has ended."</p> }
            >
                <Show
                    when=move || chat.connection.get() != ConnectionState::SessionEnded
                    fallback=|| view! {
                        <p class="form-error" role="alert" data-testid="session-ended">
                            "Your session has ended, so this conversation is no longer live. "
                            <a href=sign_in_again()>"Sign in again"</a>
                        </p>
                    }
                >
                    <Composer room chat />
                </Show>
            </Show>
        </section>
    }
}

/// The sign-in page, coming back here afterwards (a full page load: the session is gone).
fn sign_in_again() -> String {
    let path = leptos_router::hooks::use_location().pathname.get_untracked();
    crate::auth::guard::login_url_for(&path)
}

#[component]
fn ConnectionBadge(state: RwSignal<ConnectionState>) -> impl IntoView {
    let label = move || match state.get() {
        ConnectionState::Live => "live",
        ConnectionState::Connecting => "connecting…",
        ConnectionState::Reconnecting => "reconnecting…",
        ConnectionState::Offline => "offline — messages will be sent when you are back",
        ConnectionState::SessionEnded => "session ended",
    };
    let class = move || format!("connection connection-{:?}", state.get()).to_lowercase();
    view! { <span class=class data-testid="connection" role="status">{label}</span> }
}

#[component]
fn Presence(room: Room) -> impl IntoView {
    move || {
        let members = room.members.get();
        (!members.is_empty()).then(|| {
            let names: Vec<String> = members.iter().map(|m| format!("{} ({})", m.display_name, m.role.as_str())).collect();
            view! { <p class="presence muted" data-testid="presence">"Here now: " {names.join(", ")}</p> }
        })
    }
}

#[component]
fn TypingLine(room: Room) -> impl IntoView {
    move || {
        let typing = room.typing.get();
        (!typing.is_empty()).then(|| {
            let names: Vec<String> = typing.iter().map(|m| m.display_name.clone()).collect();
            let verb = if names.len() == 1 { "is" } else { "are" };
            view! { <p class="typing muted" aria-live="polite">{format!("{} {verb} typing…", names.join(", "))}</p> }
        })
    }
}

#[component]
fn OlderMessages(room: Room, cursor: Option<String>) -> impl IntoView {
    let cursor = RwSignal::new(cursor);
    let load = Action::new(move |before: &Option<i64>| {
        let before = *before;
        async move {
            if let Ok(page) = ticket_messages(room.ticket_id, before, Some(HISTORY_PAGE)).await {
                room.add_history(page.items);
                cursor.set(page.next_cursor);
            }
        }
    });
    move || {
        cursor.get().map(|next| {
            view! {
                <button type="button" class="button subtle" disabled=move || load.pending().get()
                    on:click=move |_| { load.dispatch(next.parse().ok()); }>
                    "Show older messages"
                </button>
            }
        })
    }
}

#[component]
fn Timeline(room: Room, chat: ChatClient) -> impl IntoView {
    let entries = move || room.entries.with(|entries| entries.values().cloned().collect::<Vec<_>>());
    view! {
        <ol class="messages" aria-live="polite" data-testid="messages">
            <For each=entries key=TimelineEntry::seq let:entry>
                {match entry {
                    TimelineEntry::Message(message) => Either::Left(view! {
                        <li class=format!("message from-{}", message.sender_role.as_str()) data-seq=message.seq>
                            <p class="meta">
                                <strong>{message.sender.display_name.clone()}</strong>
                                " · " {format_time(message.created_at)}
                            </p>
                            <p class="content">{message.content.clone()}</p>
                        </li>
                    }),
                    TimelineEntry::Change(change) => Either::Right(view! {
                        <li class="change muted" data-seq=change.seq>
                            {format!("Status: {} → {} · {}", change.from_status.as_str(), change.to_status.as_str(), format_time(change.at))}
                        </li>
                    }),
                }}
            </For>
            <For each=move || room.pending.get() key=|p| (p.client_id.clone(), p.state.clone()) let:pending>
                <li class="message mine pending" data-state=match pending.state { PendingState::Sending => "sending", PendingState::Failed(_) => "failed" }>
                    <p class="content">{pending.content.clone()}</p>
                    {match pending.state.clone() {
                        PendingState::Sending => Either::Left(view! { <p class="meta">"Sending…"</p> }),
                        PendingState::Failed(reason) => {
                            let client_id = pending.client_id.clone();
                            Either::Right(view! {
                                <p class="meta field-error">
                                    {format!("Not sent: {reason} ")}
                                    <button type="button" class="button subtle" on:click=move |_| chat.retry(room, client_id.clone())>"Retry"</button>
                                </p>
                            })
                        }
                    }}
                </li>
            </For>
        </ol>
        <Show when=move || room.entries.with(|e| e.is_empty()) && room.pending.with(|p| p.is_empty())>
            <p class="muted">"No messages yet. Say hello!"</p>
        </Show>
    }
}

#[component]
fn Composer(room: Room, chat: ChatClient) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    // "typing" is announced at most every 3 s and withdrawn 4 s after the last keystroke. The
    // withdrawal timer is cancelled with the composer (it must not fire after it is gone).
    let last_announced = StoredValue::new(0.0_f64);
    let stop_timer = StoredValue::new(None::<TimeoutHandle>);
    on_cleanup(move || {
        if let Some(timer) = stop_timer.try_get_value().flatten() {
            timer.clear();
        }
    });
    let note_typing = move || {
        let now = now_millis();
        if now - last_announced.get_value() > 3_000.0 {
            last_announced.set_value(now);
            chat.set_typing(room.ticket_id, true);
        }
        if let Some(timer) = stop_timer.get_value() {
            timer.clear();
        }
        let stop = move || {
            last_announced.set_value(0.0);
            chat.set_typing(room.ticket_id, false);
        };
        stop_timer.set_value(set_timeout_with_handle(stop, Duration::from_secs(4)).ok());
    };
    let submit = move || {
        let text = draft.get_untracked().trim().to_owned();
        if text.is_empty() {
            problem.set(Some("Write a message first.".into()));
            return;
        }
        if text.chars().count() > MESSAGE_MAX_CHARS {
            problem.set(Some(format!("A message can be at most {MESSAGE_MAX_CHARS} characters.")));
            return;
        }
        problem.set(None);
        chat.send(room, text);
        draft.set(String::new());
        if let Some(timer) = stop_timer.get_value() {
            timer.clear();
        }
        last_announced.set_value(0.0);
        chat.set_typing(room.ticket_id, false);
    };
    view! {
        // Without JavaScript the form posts to the HTTP send fallback, which brings the browser
        // back here; with it, the socket sends and the page stays.
        <form class="composer" aria-label="Send a message" method="post" action="/api/tickets/send-message"
            on:submit=move |ev: SubmitEvent| {
                ev.prevent_default();
                submit();
            }>
            <input type="hidden" name="ticket_id" value=room.ticket_id />
            <input type="hidden" name="client_id" value=plain_form_client_id() />
            <label for="chat-input" class="visually-hidden">"Message"</label>
            <textarea id="chat-input" name="content" rows="2" placeholder="Write a message… (Enter sends, Shift+Enter for a new line)"
                maxlength=MESSAGE_MAX_CHARS
                prop:value=move || draft.get()
                on:input=move |ev| {
                    draft.set(event_target_value(&ev));
                    note_typing();
                }
                on:keydown=move |ev: KeyboardEvent| {
                    if ev.key() == "Enter" && !ev.shift_key() {
                        ev.prevent_default();
                        submit();
                    }
                }
            ></textarea>
            <button type="submit" class="button primary">"Send"</button>
        </form>
        {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
    }
}

/// A fresh `client_id` for each server-rendered composer: a plain form post sends it once.
fn plain_form_client_id() -> String {
    #[cfg(feature = "ssr")]
    {
        format!("form-{:016x}", rand::random::<u64>())
    }
    #[cfg(not(feature = "ssr"))]
    {
        String::new()
    }
}

fn now_millis() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}
