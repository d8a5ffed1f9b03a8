//! A ticket's page: its route and what it loads. Agents and admins get two panes: the conversation
//! with its composer, and a sidebar with the ticket's facts and the person's other tickets. Users
//! get a compact header over a conversation that fills the screen. Status and actions sit in the
//! header. What runs in the browser is `live::LiveTicket`.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::Loaded;
use super::header::Unavailable;
use super::live::LiveTicket;
use crate::domain::account::User;
use crate::error::{AppError, ErrorCode, Problem};
use crate::notes::api::ticket_notes;
use crate::tickets::api::{get_ticket, list_tickets, ticket_timeline};
use crate::ui::PageTitle;

const CHAT_HISTORY_PAGE: i64 = 50;

/// `/app/tickets/:ticketId`: a user's ticket.
#[component]
pub fn UserTicketPage() -> impl IntoView {
    view! { <TicketScreen from_inbox=false /> }
}

/// `/app/inbox/:ticketId`: a ticket with the agent's controls.
#[component]
pub fn AgentTicketPage() -> impl IntoView {
    view! { <TicketScreen from_inbox=true /> }
}

/// The ticket the route names (none when it is not a number).
fn ticket_in_path() -> Memo<Option<i64>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("ticketId").and_then(|id| id.parse::<i64>().ok()))
}

async fn load(ticket_id: Option<i64>, staff: bool) -> Result<Loaded, AppError> {
    let id = ticket_id.ok_or_else(|| AppError::new(ErrorCode::NotFound, Problem::TicketNotFound))?;
    let ticket = get_ticket(id).await?;
    let notes = async move { if staff { ticket_notes(id, None, None).await } else { Ok(Vec::new()) } };
    let creator = ticket.creator.id;
    let others = async move {
        if !staff {
            return Vec::new();
        }
        let page = list_tickets(None, None, Some(true), None, Some(6), Some(creator), None, None, None, None).await;
        page.map(|page| page.items.into_iter().filter(|t| t.id != id).take(5).collect()).unwrap_or_default()
    };
    let (history, notes, others) = futures_util::future::join3(ticket_timeline(id, None, Some(CHAT_HISTORY_PAGE)), notes, others).await;
    Ok(Loaded { ticket, history: history?, notes: notes?, others })
}

/// The whole ticket page; `from_inbox`: reached from the agents' inbox, which it leads back to.
/// What a form post without JavaScript left for the page (`ui::flash`) is shown on it.
#[component]
fn TicketScreen(from_inbox: bool) -> impl IntoView {
    let staff = expect_context::<User>().role.is_staff();
    let ticket_id = ticket_in_path();
    let loaded = Resource::new(move || ticket_id.get(), move |ticket_id| load(ticket_id, staff));
    let texts = crate::i18n::t();
    let (back_href, back_label) =
        if from_inbox { ("/app/inbox", texts.common.nav_inbox) } else { ("/app/tickets", texts.common.nav_my_tickets) };
    let flash = crate::ui::flash::current();
    let (refusal, comment) = (flash.error.clone(), flash.typed("comment"));
    view! {
        <div class="ticket-screen" class:with-sidebar=staff>
            <Suspense fallback=|| ()>
                {move || {
                    let (refusal, comment) = (refusal.clone(), comment.clone());
                    Suspend::new(async move {
                        match loaded.await {
                            Ok(loaded) => Either::Left(view! {
                                <PageTitle text=format!("#{} {}", loaded.ticket.id, loaded.ticket.title()) />
                                <LiveTicket loaded from_inbox refusal comment />
                            }),
                            Err(error) => Either::Right(view! {
                                <PageTitle text=texts.tickets.ticket_not_available />
                                <Unavailable error back_href back_label />
                            }),
                        }
                    })
                }}
            </Suspense>
        </div>
    }
}
