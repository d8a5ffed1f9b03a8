//! A ticket's page as the browser runs it: the ticket is state that the live client's reports
//! replace (status, assignment, priority, SLA, rating: `ticket:updated` carries the ticket as it
//! now stands), as do the page's own forms with their answer; it loads again only after the
//! socket was away. The header, the rating box and the facts render from it. The
//! conversation (`ChatPanel`) follows the room. When the ticket is gone for this person (a role
//! changed, say), one message and a way out instead of the screen.

use leptos::prelude::*;

use super::actions::TicketActions;
use super::facts::{Facts, Sidebar};
use super::header::{TicketHeader, Unavailable};
use super::rating::RatingBox;
use super::{Loaded, opening_message};
use crate::chat::view::ChatPanel;
use crate::domain::account::User;
use crate::domain::note::Note;
use crate::domain::ticket::{Message, Page, Ticket, TicketStatus};
use crate::domain::timeline::TimelineEntry;
use crate::error::{AppError, ErrorCode, Problem};

/// `loaded`: the page's data; `from_inbox`: reached from the agents' inbox, which it leads back
/// to; `refusal` and `comment`: what a refused plain post (no JavaScript) left for the page.
#[component]
pub fn LiveTicket(loaded: Loaded, from_inbox: bool, refusal: Option<AppError>, comment: Option<String>) -> impl IntoView {
    let Loaded { ticket, history, notes, others } = loaded;
    let staff = expect_context::<User>().role.is_staff();
    let texts = crate::i18n::t();
    let (back_href, back_label) =
        if from_inbox { ("/app/inbox", texts.common.nav_inbox) } else { ("/app/tickets", texts.common.nav_my_tickets) };
    let ticket_id = ticket.id;
    let body = StoredValue::new(Body { opening: opening_message(&ticket), customer: ticket.creator.display_name.clone(), history, notes, others });
    let comment = RwSignal::new(comment.unwrap_or_default());
    let ticket = RwSignal::new(ticket);
    let gone = RwSignal::new(false);
    let reload = reloader(ticket_id, ticket, gone);
    follow_reports(ticket_id, ticket, reload);
    let actions = TicketActions::new(ticket, refusal, reload);
    let closed = Signal::derive(move || ticket.with(|t| t.status == TicketStatus::Closed));
    let gone_view = move || view! { <Unavailable error=AppError::new(ErrorCode::NotFound, Problem::TicketNotFound) back_href back_label reload=true /> };
    view! {
        <Show when=move || !gone.get() fallback=gone_view>
            {move || ticket.with(|ticket| view! {
                <TicketHeader ticket=ticket.clone() back_href back_label actions />
                {(!staff).then(|| view! { <RatingBox ticket=ticket.clone() actions comment /> })}
            })}
            {
                let Body { history, notes, opening, customer, others } = body.get_value();
                view! {
                    <div class="ticket-body">
                        <ChatPanel ticket_id history notes opening on_access_lost=move |_| reload() closed />
                        {staff.then(|| view! {
                            <Sidebar customer others>
                                {move || ticket.with(|ticket| view! { <Facts ticket=ticket.clone() actions /> })}
                                <crate::mail::view::MailFacts ticket_id ticket />
                            </Sidebar>
                        })}
                    </div>
                }
            }
        </Show>
    }
}

/// What the screen is built from once: the conversation's start and the sidebar's list.
#[derive(Clone)]
struct Body {
    history: Page<TimelineEntry>,
    notes: Vec<Note>,
    opening: Message,
    customer: String,
    others: Vec<Ticket>,
}

/// Shows each report of the ticket the live client hears, unless the page already has something
/// newer; after the socket was away (reports may have been missed), loads the ticket again.
fn follow_reports(ticket_id: i64, ticket: RwSignal<Ticket>, reload: impl Fn() + Copy + 'static) {
    let Some(chat) = use_context::<crate::client::LiveClient>() else { return };
    Effect::new(move |_| {
        let Some(fresh) = chat.reported(ticket_id).and_then(|news| news.ticket()) else { return };
        let fresh = ticket.with_untracked(|shown| fresh.is_not_older_than(shown).then(|| Ticket { unread: shown.unread, ..fresh }).filter(|fresh| fresh != shown));
        if let Some(fresh) = fresh {
            ticket.set(fresh);
        }
    });
    Effect::new(move |was_live: Option<bool>| {
        let live = chat.connection.get() == crate::client::room::ConnectionState::Live;
        if was_live == Some(false) && live {
            reload();
        }
        live
    });
}

/// Loads the ticket again (the browser only): the newest load wins, one landing late is dropped;
/// when the ticket is no longer there for this person, `gone`.
fn reloader(ticket_id: i64, ticket: RwSignal<Ticket>, gone: RwSignal<bool>) -> impl Fn() + Copy + Send + Sync + 'static {
    let started = StoredValue::new(0u64);
    move || {
        started.update_value(|n| *n += 1);
        #[cfg(feature = "hydrate")]
        {
            let load = started.get_value();
            leptos::task::spawn_local(async move {
                let result = crate::tickets::api::get_ticket(ticket_id).await;
                if started.try_get_value() != Some(load) {
                    return;
                }
                match result {
                    // Unchanged (a change this person does not see): the forms keep what is typed.
                    Ok(fresh) if ticket.with_untracked(|t| *t == fresh) => {}
                    Ok(fresh) => ticket.set(fresh),
                    Err(error) if error.code == ErrorCode::NotFound => gone.set(true),
                    // Offline or the session ended: the conversation says so; the next change loads again.
                    Err(_) => {}
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ticket_id, ticket, gone);
    }
}
