//! The conversation of a ticket page: the live thread (own messages on the right, grouped, with
//! day separators and the status changes as sentences), who is here and typing, the connection
//! state, and the composer. The thread scrolls in its own pane and stays at the newest message.

use std::time::Duration;

use leptos::either::Either;
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::html;
use leptos::prelude::*;

use super::protocol::MESSAGE_MAX_CHARS;
use super::store::{ChatClient, ConnectionState, Pending, PendingState, Room};
use crate::auth::model::User;
use crate::tickets::api::ticket_timeline;
use crate::tickets::model::{Message, Page, TicketEvent, TicketStatus};
use crate::timeline::model::TimelineEntry;
use crate::ui::Time;
use crate::ui::time::{day_label, day_of};

const HISTORY_PAGE: i64 = 50;
/// Messages of one sender less than this far apart share one name and time.
const GROUP_GAP_MS: i64 = 5 * 60 * 1000;

#[component]
pub fn ChatPanel(
    ticket_id: i64,
    history: Page<TimelineEntry>,
    /// The ticket's description, shown as its creator's first message (seq 0) once the thread
    /// is loaded back to its start.
    opening: Message,
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
    // Access lost (a role changed, say): reload the ticket, so the page says so as a whole.
    Effect::new(move |previous: Option<bool>| {
        let lost = room.problem.with(Option::is_some);
        if lost && previous == Some(false) {
            on_change.run(());
        }
        lost
    });
    let scroller = NodeRef::<html::Div>::new();
    let follow = Follow { scroller, unseen: RwSignal::new(false) };
    let cursor = RwSignal::new(history.next_cursor);
    let opening = Signal::derive(move || cursor.with(Option::is_none).then(|| TimelineEntry::Message(opening.clone())));

    view! {
        <section class="chat" aria-label="Conversation">
            <div class="chat-bar">
                <Presence room />
                <ConnectionBadge state=chat.connection />
            </div>
            <div class="thread" node_ref=scroller on:scroll=move |_| follow.scrolled()>
                <ol class="messages" aria-live="polite" data-testid="messages">
                    <OlderMessages room cursor />
                    <Thread room chat closed follow opening />
                </ol>
            </div>
            <Show when=move || follow.unseen.get()>
                <button type="button" class="new-messages" on:click=move |_| follow.to_newest()>"New messages ↓"</button>
            </Show>
            <TypingLine room />
            {move || room.problem.get().map(|problem| view! { <p class="form-error" role="alert">{problem}</p> })}
            <Show
                when=move || !closed.get()
                fallback=|| view! { <p class="chat-ended" role="status">"This ticket is closed; the conversation has ended."</p> }
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
                    <Composer room chat follow />
                </Show>
            </Show>
        </section>
    }
}

/// Keeps the thread at its newest message while the reader is there, and otherwise offers a
/// "new messages" button. The pane is a reversed flex column: it opens at the bottom and stays
/// there as messages arrive, even before (or without) JavaScript.
#[derive(Clone, Copy)]
struct Follow {
    scroller: NodeRef<html::Div>,
    unseen: RwSignal<bool>,
}

impl Follow {
    /// In a reversed column scrollTop is 0 at the bottom and negative above it.
    fn at_newest(&self) -> bool {
        self.scroller.get_untracked().is_none_or(|pane| pane.scroll_top() > -48)
    }

    fn scrolled(&self) {
        if self.unseen.get_untracked() && self.at_newest() {
            self.unseen.set(false);
        }
    }

    fn arrived(&self) {
        if !self.at_newest() {
            self.unseen.set(true);
        }
    }

    fn to_newest(&self) {
        if let Some(pane) = self.scroller.get_untracked() {
            pane.set_scroll_top(0);
        }
        self.unseen.set(false);
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
    let me = expect_context::<User>().id;
    move || {
        let others: Vec<String> = room
            .members
            .get()
            .into_iter()
            .filter(|m| m.user_id != me)
            .map(|m| if m.role.is_staff() { format!("{} (support)", m.display_name) } else { m.display_name })
            .collect();
        let text = if others.is_empty() { "Nobody else is here right now".to_owned() } else { format!("Here now: {}", others.join(", ")) };
        view! { <p class="presence" data-testid="presence">{text}</p> }
    }
}

#[component]
fn TypingLine(room: Room) -> impl IntoView {
    move || {
        let typing = room.typing.get();
        let text = (!typing.is_empty()).then(|| {
            let names: Vec<String> = typing.iter().map(|m| m.display_name.clone()).collect();
            let verb = if names.len() == 1 { "is" } else { "are" };
            format!("{} {verb} typing…", names.join(", "))
        });
        view! { <p class="typing" aria-live="polite">{text}</p> }
    }
}

/// While older entries exist: a button at the top of the thread that loads the next page.
#[component]
fn OlderMessages(room: Room, cursor: RwSignal<Option<String>>) -> impl IntoView {
    let load = Action::new(move |before: &Option<i64>| {
        let before = *before;
        async move {
            if let Ok(page) = ticket_timeline(room.ticket_id, before, Some(HISTORY_PAGE)).await {
                room.add_history(page.items);
                cursor.set(page.next_cursor);
            }
        }
    });
    move || {
        cursor.get().map(|next| {
            view! {
                <li class="older">
                    <button type="button" class="button subtle" disabled=move || load.pending().get()
                        on:click=move |_| { load.dispatch(next.parse().ok()); }>
                        "Show older messages"
                    </button>
                </li>
            }
        })
    }
}

/// One line of the thread, in order.
#[derive(Clone, PartialEq)]
enum Row {
    Day(i64),
    Message { message: Message, mine: bool, first: bool },
    Change(TicketEvent),
}

impl Row {
    fn key(&self) -> (i64, i64, bool) {
        match self {
            Row::Day(day) => (0, *day, false),
            Row::Message { message, first, .. } => (1, message.seq, *first),
            Row::Change(change) => (1, change.seq, false),
        }
    }
}

/// The entries as rows: a separator where the day changes, and a name and time only where a new
/// sender (or a pause) starts a group.
fn rows<'a>(entries: impl Iterator<Item = &'a TimelineEntry>, me: i64) -> Vec<Row> {
    let mut rows = Vec::new();
    let (mut day, mut last_sender) = (None, None::<(i64, i64)>);
    for entry in entries {
        let at = match entry {
            TimelineEntry::Message(m) => m.created_at,
            TimelineEntry::Change(c) => c.at,
        };
        let today = day_of(at);
        if day != Some(today) {
            rows.push(Row::Day(today));
            day = Some(today);
            last_sender = None;
        }
        match entry {
            TimelineEntry::Message(message) => {
                let millis = message.created_at.timestamp_millis();
                let first = !last_sender.is_some_and(|(id, previous)| id == message.sender.id && millis - previous < GROUP_GAP_MS);
                last_sender = Some((message.sender.id, millis));
                rows.push(Row::Message { mine: message.sender.id == me, first, message: message.clone() });
            }
            TimelineEntry::Change(change) => {
                last_sender = None;
                rows.push(Row::Change(change.clone()));
            }
        }
    }
    rows
}

#[component]
fn Thread(room: Room, chat: ChatClient, closed: Signal<bool>, follow: Follow, opening: Signal<Option<TimelineEntry>>) -> impl IntoView {
    let me = expect_context::<User>();
    let me_id = me.id;
    let viewer_is_staff = me.role.is_staff();
    let entries = Memo::new(move |_| opening.with(|first| room.entries.with(|entries| rows(first.iter().chain(entries.values()), me_id))));
    // Did the last row come from me? Then a pending message continues that group.
    let continues_mine = move || {
        entries.with(|rows| matches!(rows.last(), Some(Row::Message { mine: true, .. })))
    };
    Effect::new(move |previous: Option<Option<i64>>| {
        let newest = room.entries.with(|e| e.keys().next_back().copied());
        if previous.is_some_and(|p| p != newest) {
            follow.arrived();
        }
        newest
    });
    view! {
        <For each=move || entries.get() key=Row::key let:row>
            {match row {
                Row::Day(day) => Either::Left(view! { <li class="day" role="separator"><span>{move || day_label(day)}</span></li> }),
                Row::Message { message, mine, first } => Either::Right(Either::Left(view! {
                    <li class=format!("message from-{}", message.sender_role.as_str())
                        class:mine=mine class:theirs=!mine class:first=first class:opening=message.seq == 0 data-seq=message.seq>
                        {first.then(|| view! {
                            <MessageHead name=message.sender.display_name.clone()
                                staff=message.sender_role.is_staff() && !viewer_is_staff mine at=message.created_at />
                        })}
                        <p class="content bubble">{message.content.clone()}</p>
                    </li>
                })),
                Row::Change(change) => Either::Right(Either::Right(view! {
                    <li class="change" data-seq=change.seq>
                        <span>{change_sentence(&change)}</span>" · "<Time at=change.at />
                    </li>
                })),
            }}
        </For>
        <For each=move || room.pending.get() key=|p| (p.client_id.clone(), p.state.clone()) let:pending>
            <PendingMessage pending room chat closed first=!continues_mine() />
        </For>
        <Show when=move || room.entries.with(|e| !e.values().any(|e| !e.is_change())) && room.pending.with(|p| p.is_empty())>
            <li class="thread-empty">
                {if viewer_is_staff {
                    "No replies yet. What you write here reaches the customer at once."
                } else {
                    "An agent will reply here, usually within a few hours. You will see the answer as soon as it is sent, and you can add details meanwhile."
                }}
            </li>
        </Show>
    }
}

/// An own message on its way: it sits where the sent one will be, in the same shape.
#[component]
fn PendingMessage(pending: Pending, room: Room, chat: ChatClient, closed: Signal<bool>, first: bool) -> impl IntoView {
    let state = match pending.state { PendingState::Sending => "sending", PendingState::Failed(_) => "failed" };
    let status = match pending.state.clone() {
        PendingState::Sending => Either::Left(view! { <p class="delivery">"Sending…"</p> }),
        PendingState::Failed(reason) => {
            let client_id = pending.client_id.clone();
            Either::Right(view! {
                <p class="delivery field-error">
                    {format!("Not sent: {reason} ")}
                    // A closed ticket takes no more messages: retrying could only fail again.
                    <Show when=move || !closed.get()>
                        <button type="button" class="button subtle" on:click={
                            let client_id = client_id.clone();
                            move |_| chat.retry(room, client_id.clone())
                        }>"Retry"</button>
                    </Show>
                </p>
            })
        }
    };
    view! {
        <li class="message mine pending" class:first=first data-state=state>
            <p class="content bubble">{pending.content.clone()}</p>
            {status}
        </li>
    }
}

/// The name (with initials) and time over a group of messages; own groups show only the time.
#[component]
fn MessageHead(name: String, staff: bool, mine: bool, at: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    let who = (!mine).then(|| {
        view! {
            <span class="avatar" aria-hidden="true">{initials(&name)}</span>
            <strong class="sender">{name}</strong>
            {staff.then(|| view! { <span class="tag">"Support"</span> })}
        }
    });
    view! { <p class="meta">{who}<Time at /></p> }
}

fn initials(name: &str) -> String {
    name.split_whitespace().filter_map(|word| word.chars().next()).take(2).flat_map(char::to_uppercase).collect()
}

/// A status or assignment change as a sentence with its actor.
pub fn change_sentence(change: &TicketEvent) -> String {
    let actor = &change.actor_name;
    if change.is_assignment() {
        return match (&change.agent_name, change.to_agent_id) {
            (Some(_), Some(agent)) if agent == change.actor_id => format!("{actor} took this ticket"),
            (Some(agent), _) => format!("{actor} assigned this ticket to {agent}"),
            (None, _) => format!("{actor} unassigned this ticket"),
        };
    }
    match (change.from_status, change.to_status) {
        (_, TicketStatus::Resolved) => format!("{actor} marked this ticket resolved"),
        (_, TicketStatus::Closed) => format!("{actor} closed this ticket"),
        (TicketStatus::Resolved, _) => format!("{actor} reopened this ticket"),
        (_, to) => format!("{actor} set the status to {}", to.as_str()),
    }
}

#[component]
fn Composer(room: Room, chat: ChatClient, follow: Follow) -> impl IntoView {
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
        follow.to_newest();
        draft.set(String::new());
        if let Some(timer) = stop_timer.get_value() {
            timer.clear();
        }
        // Withdraw "typing" only if it was announced.
        if last_announced.get_value() > 0.0 {
            last_announced.set_value(0.0);
            chat.set_typing(room.ticket_id, false);
        }
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
            <textarea id="chat-input" name="content" rows="2" placeholder="Write a message…" aria-describedby="composer-hint"
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
        // Only true once the page runs (without JavaScript Enter is a new line): CSS shows it then.
        <p id="composer-hint" class="composer-hint">"Enter sends · Shift+Enter for a new line"</p>
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

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::auth::model::Role;
    use crate::tickets::model::PersonRef;

    fn message(seq: i64, sender: i64, minute: u32, hour: u32) -> TimelineEntry {
        TimelineEntry::Message(Message {
            id: seq,
            ticket_id: 1,
            seq,
            client_id: None,
            sender: PersonRef { id: sender, display_name: format!("P{sender}"), email: String::new() },
            sender_role: if sender == 1 { Role::User } else { Role::Agent },
            content: format!("m{seq}"),
            created_at: Utc.with_ymd_and_hms(2026, 12, 2, hour, minute, 0).unwrap(),
        })
    }

    fn change(actor: i64, from: TicketStatus, to: TicketStatus, agents: (Option<i64>, Option<i64>), agent: Option<&str>) -> TicketEvent {
        TicketEvent {
            ticket_id: 1,
            seq: 9,
            actor_id: actor,
            actor_name: "Abe".into(),
            from_status: from,
            to_status: to,
            from_agent_id: agents.0,
            to_agent_id: agents.1,
            agent_name: agent.map(str::to_owned),
            at: Utc::now(),
        }
    }

    #[test]
    fn messages_group_by_sender_and_pause_with_a_separator_per_day() {
        let entries = [message(1, 1, 0, 9), message(2, 1, 3, 9), message(3, 2, 4, 9), message(4, 2, 20, 9), message(5, 1, 21, 9)];
        let rows = rows(entries.iter(), 1);
        let shape: Vec<(i64, bool, bool)> = rows
            .iter()
            .filter_map(|row| match row {
                Row::Message { message, mine, first } => Some((message.seq, *mine, *first)),
                _ => None,
            })
            .collect();
        // Same sender within 5 minutes: one group; a pause or another sender starts the next.
        assert_eq!(shape, vec![(1, true, true), (2, true, false), (3, false, true), (4, false, true), (5, true, true)]);
        assert!(matches!(rows[0], Row::Day(20261202)));
        assert_eq!(rows.iter().filter(|r| matches!(r, Row::Day(_))).count(), 1);
    }

    #[test]
    fn changes_read_as_sentences_with_their_actor() {
        use TicketStatus::*;
        assert_eq!(change_sentence(&change(2, Open, Assigned, (None, Some(2)), Some("Abe"))), "Abe took this ticket");
        assert_eq!(change_sentence(&change(3, Open, Assigned, (None, Some(2)), Some("Bea"))), "Abe assigned this ticket to Bea");
        assert_eq!(change_sentence(&change(2, Assigned, Resolved, (Some(2), Some(2)), Some("Abe"))), "Abe marked this ticket resolved");
        assert_eq!(change_sentence(&change(1, Resolved, Assigned, (Some(2), Some(2)), Some("Abe"))), "Abe reopened this ticket");
        assert_eq!(change_sentence(&change(3, Open, Closed, (None, None), None)), "Abe closed this ticket");
    }
}
