//! The thread of a ticket's conversation: its entries as rows (own messages on the right, a
//! sender's messages grouped, day separators, status changes as sentences), messages on their way,
//! older pages, and keeping the pane at the newest message.

use std::collections::BTreeMap;

use leptos::either::{Either, EitherOf4};
use leptos::html;
use leptos::prelude::*;

use crate::attachments::view::AttachmentList;

use crate::client::LiveClient;
use crate::client::room::{Pending, PendingState, Room};
use crate::domain::account::{Role, User};
use crate::domain::note::Note;
use crate::domain::ticket::{Message, TicketEvent, TicketStatus};
use crate::domain::timeline::TimelineEntry;
use crate::i18n::Texts;
use crate::tickets::api::ticket_timeline;
use crate::ui::Time;
use crate::ui::time::{day_label, day_of};

const HISTORY_PAGE: i64 = 50;
/// Messages of one sender less than this far apart share one name and time.
const GROUP_GAP_MS: i64 = 5 * 60 * 1000;

/// Keeps the thread at its newest message while the reader is there, and otherwise offers a
/// "new messages" button. The pane is a reversed flex column: it opens at the bottom and stays
/// there as messages arrive, even before (or without) JavaScript.
#[derive(Clone, Copy)]
pub struct Follow {
    pub scroller: NodeRef<html::Div>,
    pub unseen: RwSignal<bool>,
}

impl Follow {
    /// In a reversed column scrollTop is 0 at the bottom and negative above it.
    fn at_newest(&self) -> bool {
        self.scroller.get_untracked().is_none_or(|pane| pane.scroll_top() > -48)
    }

    pub fn scrolled(&self) {
        if self.unseen.get_untracked() && self.at_newest() {
            self.unseen.set(false);
        }
    }

    fn arrived(&self) {
        if !self.at_newest() {
            self.unseen.set(true);
        }
    }

    pub fn to_newest(&self) {
        if let Some(pane) = self.scroller.get_untracked() {
            pane.set_scroll_top(0);
        }
        self.unseen.set(false);
    }
}

/// While older entries exist: a button at the top of the thread that loads the next page.
#[component]
pub fn OlderMessages(room: Room, cursor: RwSignal<Option<String>>) -> impl IntoView {
    let t = &crate::i18n::t().chat;
    let load = Action::new(move |before: &Option<i64>| {
        let before = *before;
        async move {
            // Unless the conversation has gone meanwhile (the person moved to another page).
            if let Ok(page) = ticket_timeline(room.ticket_id, before, Some(HISTORY_PAGE)).await
                && cursor.try_set(page.next_cursor).is_none()
            {
                room.add_history(page.items);
            }
        }
    });
    move || {
        cursor.get().map(|next| {
            view! {
                <li class="older">
                    <button type="button" class="button subtle" disabled=move || load.pending().get()
                        on:click=move |_| { load.dispatch(next.parse().ok()); }>
                        {t.show_older}
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
    /// Staff only: an internal note, after the entry it was written after.
    Note(Note),
}

impl Row {
    fn key(&self) -> (i64, i64, i64, bool) {
        match self {
            Row::Day(day) => (0, *day, 0, false),
            Row::Message { message, first, .. } => (1, message.seq, 0, *first),
            Row::Change(change) => (1, change.seq, 0, false),
            Row::Note(note) => (1, note.after_seq, note.note_seq, false),
        }
    }
}

/// A timeline entry or a note, in thread order.
enum Item<'a> {
    Entry(&'a TimelineEntry),
    Note(&'a Note),
}

/// The entries (and notes) as rows: a separator where the day changes, and a name and time only
/// where a new sender (or a pause) starts a group. A note follows the entry it was written after;
/// notes older than the loaded entries wait for the older page.
fn rows<'a>(entries: impl Iterator<Item = &'a TimelineEntry>, notes: &'a BTreeMap<i64, Note>, me: i64) -> Vec<Row> {
    let entries: Vec<&TimelineEntry> = entries.collect();
    let oldest = entries.first().map(|entry| entry.seq());
    let mut items: Vec<((i64, i64), Item)> = entries.into_iter().map(|entry| ((entry.seq(), 0), Item::Entry(entry))).collect();
    items.extend(
        notes.values().filter(|note| oldest.is_some_and(|oldest| note.after_seq >= oldest)).map(|note| ((note.after_seq, note.note_seq), Item::Note(note))),
    );
    items.sort_by_key(|(position, _)| *position);
    let mut rows = Vec::new();
    let (mut day, mut last_sender) = (None, None::<(i64, i64)>);
    for (_, item) in items {
        let entry = match item {
            Item::Entry(entry) => entry,
            Item::Note(note) => {
                let today = day_of(note.created_at);
                if day != Some(today) {
                    rows.push(Row::Day(today));
                    day = Some(today);
                }
                last_sender = None;
                rows.push(Row::Note(note.clone()));
                continue;
            }
        };
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
pub fn Thread(room: Room, chat: LiveClient, closed: Signal<bool>, follow: Follow, opening: Signal<Option<TimelineEntry>>) -> impl IntoView {
    let texts = crate::i18n::t();
    let t = &texts.chat;
    let me = expect_context::<User>();
    let me_id = me.id;
    let viewer_is_staff = me.role.is_staff();
    let entries = Memo::new(move |_| {
        opening.with(|first| room.entries.with(|entries| room.notes.with(|notes| rows(first.iter().chain(entries.values()), notes, me_id))))
    });
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
                Row::Day(day) => EitherOf4::A(view! { <li class="day" role="separator"><span>{move || day_label(day)}</span></li> }),
                Row::Message { message, mine, first } => EitherOf4::B(view! {
                    <li class=format!("message from-{}", message.sender_role.as_str())
                        class:mine=mine class:theirs=!mine class:first=first class:opening=message.seq == 0 data-seq=message.seq>
                        {first.then(|| view! {
                            <MessageHead name=message.sender.display_name.clone()
                                tag=match message.sender_role {
                                    // The bot says so to everyone; "Support" tells customers who is staff.
                                    Role::System => Some(texts.chat.bot_tag),
                                    role if role.is_staff() && !viewer_is_staff => Some(texts.chat.support_tag),
                                    _ => None,
                                }
                                mine at=message.created_at />
                        })}
                        {(!message.content.is_empty()).then(|| view! { <p class="content bubble">{message.content.clone()}</p> })}
                        <AttachmentList attachments=message.attachments.clone() />
                    </li>
                }),
                Row::Change(change) => EitherOf4::C(view! {
                    <li class="change" data-seq=change.seq>
                        <span>{change_sentence(texts, &change)}</span>" · "<Time at=change.at />
                    </li>
                }),
                Row::Note(note) => EitherOf4::D(view! {
                    <li class="note" data-note-seq=note.note_seq data-testid="note">
                        <p class="meta">
                            <span class="note-tag">{t.note_tag}</span>
                            <strong class="sender">{note.author.display_name.clone()}</strong>
                            <Time at=note.created_at />
                        </p>
                        <p class="content">{note.content.clone()}</p>
                    </li>
                }),
            }}
        </For>
        <For each=move || room.pending.get() key=|p| (p.client_id.clone(), p.state.clone()) let:pending>
            <PendingMessage pending room chat closed first=!continues_mine() />
        </For>
        <Show when=move || room.entries.with(|e| !e.values().any(|e| !e.is_change())) && room.pending.with(|p| p.is_empty())>
            <li class="thread-empty">
                {if viewer_is_staff { t.no_replies_for_staff } else { t.no_replies_for_customer }}
            </li>
        </Show>
    }
}

/// An own message on its way: it sits where the sent one will be, in the same shape.
#[component]
fn PendingMessage(pending: Pending, room: Room, chat: LiveClient, closed: Signal<bool>, first: bool) -> impl IntoView {
    let t = &crate::i18n::t().chat;
    let state = match pending.state { PendingState::Sending => "sending", PendingState::Failed(_) => "failed" };
    let status = match pending.state.clone() {
        PendingState::Sending => Either::Left(view! { <p class="delivery">{t.sending}</p> }),
        PendingState::Failed(reason) => {
            let client_id = pending.client_id.clone();
            Either::Right(view! {
                <p class="delivery field-error">
                    {(t.not_sent)(&crate::i18n::problem_text(&reason))}
                    // A closed ticket takes no more messages: retrying could only fail again.
                    <Show when=move || !closed.get()>
                        <button type="button" class="button subtle" on:click={
                            let client_id = client_id.clone();
                            move |_| chat.retry(room, client_id.clone())
                        }>{t.retry}</button>
                    </Show>
                </p>
            })
        }
    };
    view! {
        <li class="message mine pending" class:first=first data-state=state>
            {(!pending.content.is_empty()).then(|| view! { <p class="content bubble">{pending.content.clone()}</p> })}
            <AttachmentList attachments=pending.attachments.clone() />
            {status}
        </li>
    }
}

/// The name (with initials) and time over a group of messages; own groups show only the time.
#[component]
fn MessageHead(name: String, tag: Option<&'static str>, mine: bool, at: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    let who = (!mine).then(|| {
        view! {
            <span class="avatar" aria-hidden="true">{initials(&name)}</span>
            <strong class="sender">{name}</strong>
            {tag.map(|tag| view! { <span class="tag">{tag}</span> })}
        }
    });
    view! { <p class="meta">{who}<Time at /></p> }
}

fn initials(name: &str) -> String {
    let initials: String = name.split_whitespace().filter_map(|word| word.chars().next()).take(2).collect();
    // In capitals by JavaScript in the browser: Rust's Unicode case tables would add about 10 KB
    // to its bundle. Both follow Unicode's mapping, so the page hydrates with the server's text.
    #[cfg(feature = "hydrate")]
    return js_sys::JsString::from(initials.as_str()).to_upper_case().into();
    #[cfg(not(feature = "hydrate"))]
    initials.to_uppercase()
}

/// A status or assignment change as a sentence with its actor.
pub fn change_sentence(texts: &Texts, change: &TicketEvent) -> String {
    let t = &texts.chat;
    let actor = change.actor_name.as_str();
    if change.is_assignment() {
        return match (&change.agent_name, change.to_agent_id) {
            (Some(_), Some(agent)) if agent == change.actor_id => (t.took_ticket)(actor),
            (Some(agent), _) => (t.assigned_ticket_to)(actor, agent.as_str()),
            (None, _) => (t.unassigned_ticket)(actor),
        };
    }
    match (change.from_status, change.to_status) {
        (_, TicketStatus::Resolved) => (t.marked_resolved)(actor),
        (_, TicketStatus::Closed) => (t.closed_ticket)(actor),
        (TicketStatus::Resolved, _) => (t.reopened_ticket)(actor),
        (_, to) => (t.set_status_to)(actor, texts.common.status(to)),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::domain::account::Role;
    use crate::domain::ticket::PersonRef;
    use crate::i18n::Lang;

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
            attachments: Vec::new(),
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
        let rows = rows(entries.iter(), &BTreeMap::new(), 1);
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
        let english = Lang::En.texts();
        assert_eq!(change_sentence(english, &change(2, Open, Assigned, (None, Some(2)), Some("Abe"))), "Abe took this ticket");
        assert_eq!(change_sentence(english, &change(3, Open, Assigned, (None, Some(2)), Some("Bea"))), "Abe assigned this ticket to Bea");
        assert_eq!(change_sentence(english, &change(2, Assigned, Resolved, (Some(2), Some(2)), Some("Abe"))), "Abe marked this ticket resolved");
        assert_eq!(change_sentence(english, &change(1, Resolved, Assigned, (Some(2), Some(2)), Some("Abe"))), "Abe reopened this ticket");
        assert_eq!(change_sentence(english, &change(3, Open, Closed, (None, None), None)), "Abe closed this ticket");
        let spanish = Lang::Es.texts();
        assert_eq!(change_sentence(spanish, &change(3, Open, Assigned, (None, Some(2)), Some("Bea"))), "Abe asignó este ticket a Bea");
        assert_eq!(change_sentence(spanish, &change(2, Resolved, Open, (Some(2), Some(2)), Some("Abe"))), "Abe reabrió este ticket");
    }
}
