//! The conversation of a ticket page: the live thread (`super::thread`), who is here and typing,
//! the connection state, and the composer.

use std::time::Duration;

use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::html;
use leptos::prelude::*;

use super::thread::{Follow, OlderMessages, Thread};
use crate::attachments::Upload;
use crate::attachments::view::{AttachButton, FileTarget, UploadTray, ready_files};
use crate::client::LiveClient;
use crate::client::room::{ConnectionState, Room};
use crate::domain::account::User;
use crate::domain::live::MESSAGE_MAX_CHARS;
use crate::domain::note::Note;
use crate::domain::ticket::{Message, Page};
use crate::domain::timeline::TimelineEntry;

#[component]
pub fn ChatPanel(
    ticket_id: i64,
    history: Page<TimelineEntry>,
    /// Staff: the ticket's internal notes (empty for customers).
    notes: Vec<Note>,
    /// The ticket's description, shown as its creator's first message (seq 0) once the thread
    /// is loaded back to its start.
    opening: Message,
    /// Called when access to the ticket is lost, to bring the rest of the page up to date.
    #[prop(into)]
    on_access_lost: Callback<()>,
    /// The ticket is closed: no composer.
    #[prop(into)]
    closed: Signal<bool>,
) -> impl IntoView {
    let t = &crate::i18n::t().chat;
    let chat = expect_context::<LiveClient>();
    let room = chat.open_room(ticket_id, history.items, notes);
    on_cleanup(move || chat.close_room(ticket_id));
    // Access lost (a role changed, say): the page, brought up to date, says so as a whole.
    Effect::new(move |previous: Option<bool>| {
        let lost = room.problem.with(Option::is_some);
        if lost && previous == Some(false) {
            on_access_lost.run(());
        }
        lost
    });
    let scroller = NodeRef::<html::Div>::new();
    let follow = Follow { scroller, unseen: RwSignal::new(false) };
    // What is on screen is read: the newest entry, while the page is visible and the thread is
    // at its end (scrolled up, new messages wait unseen below).
    let visible = RwSignal::new(true);
    #[cfg(feature = "hydrate")]
    {
        let update = move || visible.set(!document().hidden());
        update();
        let listener = window_event_listener_untyped("visibilitychange", move |_| update());
        on_cleanup(move || listener.remove());
    }
    Effect::new(move |_| {
        let newest = room.entries.with(|entries| entries.keys().next_back().copied());
        if let Some(seq) = newest.filter(|_| visible.get() && !follow.unseen.get()) {
            chat.mark_read(ticket_id, seq);
        }
    });
    let cursor = RwSignal::new(history.next_cursor);
    let opening = Signal::derive(move || cursor.with(Option::is_none).then(|| TimelineEntry::Message(opening.clone())));

    view! {
        <section class="chat" aria-label=t.conversation>
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
                <button type="button" class="new-messages" on:click=move |_| follow.to_newest()>{t.new_messages}</button>
            </Show>
            <TypingLine room />
            {move || room.problem.get().map(|problem| view! { <p class="form-error" role="alert">{crate::i18n::problem_text(&problem)}</p> })}
            <Show
                when=move || !closed.get()
                fallback=move || view! { <p class="chat-ended" role="status">{t.conversation_ended}</p> }
            >
                <Show
                    when=move || chat.connection.get() != ConnectionState::SessionEnded
                    fallback=move || view! {
                        <p class="form-error" role="alert" data-testid="session-ended">
                            {t.session_ended_notice}
                            <a href=sign_in_again()>{t.sign_in_again}</a>
                        </p>
                    }
                >
                    <Composer room chat follow />
                </Show>
            </Show>
        </section>
    }
}

/// The sign-in page, coming back here afterwards.
fn sign_in_again() -> String {
    crate::auth::guard::login_url_for(&crate::ui::url::path())
}

#[component]
fn ConnectionBadge(state: RwSignal<ConnectionState>) -> impl IntoView {
    let t = &crate::i18n::t().chat;
    let label = move || match state.get() {
        ConnectionState::Live => t.live,
        ConnectionState::Connecting => t.connecting,
        ConnectionState::Reconnecting => t.reconnecting,
        ConnectionState::Offline => t.offline,
        ConnectionState::SessionEnded => t.session_ended,
    };
    let class = move || format!("connection connection-{}", state.get().name());
    view! { <span class=class data-testid="connection" role="status">{label}</span> }
}

#[component]
fn Presence(room: Room) -> impl IntoView {
    let t = &crate::i18n::t().chat;
    let me = expect_context::<User>().id;
    move || {
        let others: Vec<String> = room
            .members
            .get()
            .into_iter()
            .filter(|m| m.user_id != me)
            .map(|m| if m.role.is_staff() { (t.support_member)(&m.display_name) } else { m.display_name })
            .collect();
        let text = if others.is_empty() { t.nobody_else_here.to_owned() } else { (t.here_now)(&others.join(", ")) };
        view! { <p class="presence" data-testid="presence">{text}</p> }
    }
}

#[component]
fn TypingLine(room: Room) -> impl IntoView {
    let t = &crate::i18n::t().chat;
    move || {
        let typing = room.typing.get();
        let text = (!typing.is_empty()).then(|| {
            let names: Vec<String> = typing.iter().map(|m| m.display_name.clone()).collect();
            (t.typing)(&names)
        });
        view! { <p class="typing" aria-live="polite">{text}</p> }
    }
}

#[component]
fn Composer(room: Room, chat: LiveClient, follow: Follow) -> impl IntoView {
    let t = &crate::i18n::t().chat;
    let draft = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    // Files being attached (uploaded as soon as they are picked, pasted or dropped).
    let uploads = RwSignal::new(Vec::<Upload>::new());
    let files = FileTarget::new(Some(room.ticket_id), uploads);
    // "typing" is announced at most every 3 s and withdrawn 4 s after the last keystroke. The
    // withdrawal timer is cancelled with the composer (it must not fire after it is gone).
    let last_announced = StoredValue::new(0.0_f64);
    let stop_timer = StoredValue::new(None::<TimeoutHandle>);
    on_cleanup(move || {
        if let Some(timer) = stop_timer.try_get_value().flatten() {
            timer.clear();
        }
    });
    // Staff write internal notes with the same composer, switched by a toggle.
    let staff = expect_context::<User>().role.is_staff();
    let note_mode = RwSignal::new(false);
    // One client_id per note being written: a retry after a lost answer stores it once.
    let note_client_id = StoredValue::new(crate::client::new_client_id());
    let add_note = Action::new_local(move |(text, client_id): &(String, String)| {
        let (text, client_id) = (text.clone(), client_id.clone());
        async move {
            match crate::notes::api::add_note(room.ticket_id, client_id, text).await {
                Ok(note) => {
                    room.add_notes(vec![note]);
                    note_client_id.set_value(crate::client::new_client_id());
                    draft.set(String::new());
                    follow.to_newest();
                }
                Err(error) => problem.set(Some(crate::i18n::error_message(&error))),
            }
        }
    });
    let note_typing = move || {
        // A note is nobody's business but staff's: "typing" would tell the customer something.
        if note_mode.get_untracked() {
            return;
        }
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
        let Some(files) = ready_files(uploads) else {
            problem.set(Some(t.wait_for_uploads.into()));
            return;
        };
        if text.is_empty() && files.is_empty() {
            problem.set(Some(t.write_message_first.into()));
            return;
        }
        if text.chars().count() > MESSAGE_MAX_CHARS {
            problem.set(Some((t.message_too_long)(MESSAGE_MAX_CHARS)));
            return;
        }
        if note_mode.get_untracked() {
            if !files.is_empty() {
                problem.set(Some(t.notes_take_no_files.into()));
            } else if text.is_empty() {
                problem.set(Some(t.write_message_first.into()));
            } else if !add_note.pending().get_untracked() {
                problem.set(None);
                add_note.dispatch_local((text, note_client_id.get_value()));
            }
            return;
        }
        problem.set(None);
        chat.send(room, text, files);
        follow.to_newest();
        draft.set(String::new());
        uploads.set(Vec::new());
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
        <form class="composer" class:dragging=move || files.dragging.get() class:note-mode=move || note_mode.get()
            aria-label=t.send_a_message method="post" action="/api/tickets/send-message"
            on:submit=move |ev: SubmitEvent| {
                ev.prevent_default();
                submit();
            }
            on:dragover=files.drag_over() on:dragleave=files.drag_leave() on:drop=files.drop()>
            <UploadTray uploads />
            <input type="hidden" name="ticket_id" value=room.ticket_id />
            <input type="hidden" name="client_id" value=plain_form_client_id() />
            <label for="chat-input" class="visually-hidden">{t.message}</label>
            {staff.then(|| view! {
                // Once the page runs; before, the "Add note" button below posts a note instead.
                <label class="note-toggle">
                    <input type="checkbox" data-testid="note-toggle"
                        prop:checked=move || note_mode.get()
                        on:change=move |ev| note_mode.set(event_target_checked(&ev)) />
                    {t.internal_note}
                </label>
            })}
            <textarea id="chat-input" name="content" rows="2" aria-describedby="composer-hint"
                placeholder=move || if note_mode.get() { t.note_placeholder } else { t.message_placeholder }
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
                on:paste=files.paste()
            ></textarea>
            <AttachButton ticket_id=Some(room.ticket_id) uploads />
            <button type="submit" class="button primary" disabled=move || add_note.pending().get()>
                {move || if note_mode.get() { t.add_note } else { t.send }}
            </button>
            // Without JavaScript: the same form, posted as a note (CSS hides it once the page runs).
            {staff.then(|| view! { <button type="submit" class="button note-submit" formaction="/api/tickets/add-note">{t.add_note}</button> })}
        </form>
        {move || note_mode.get().then(|| view! { <p class="note-hint" role="status">{t.note_hint}</p> })}
        // Only true once the page runs (without JavaScript Enter is a new line): CSS shows it then.
        <p id="composer-hint" class="composer-hint">{t.composer_hint}</p>
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
