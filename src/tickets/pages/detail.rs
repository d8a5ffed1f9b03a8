use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::ui::{LoadError, Loading, ServerForm, StatusBadge, after_each_result, format_time};
use crate::auth::model::User;
use crate::error::{AppError, ErrorCode};
use crate::tickets::api::{AssignTicket, ChangeStatus, get_ticket, ticket_messages};
use crate::chat::view::ChatPanel;
use crate::tickets::model::{Ticket, TicketAction, allowed_actions};

const CHAT_HISTORY_PAGE: i64 = 50;

/// `/app/tickets/:ticketId`: a user's ticket.
#[component]
pub fn UserTicketPage() -> impl IntoView {
    view! { <TicketScreen back_href="/app/tickets" back_label="My tickets" /> }
}

/// `/app/inbox/:ticketId`: a ticket with the agent's controls.
#[component]
pub fn AgentTicketPage() -> impl IntoView {
    view! { <TicketScreen back_href="/app/inbox" back_label="Inbox" /> }
}

#[component]
fn TicketScreen(back_href: &'static str, back_label: &'static str) -> impl IntoView {
    let params = use_params_map();
    let ticket_id = move || params.read().get("ticketId").and_then(|id| id.parse::<i64>().ok());
    let ticket = Resource::new(ticket_id, |id| async move {
        match id {
            Some(id) => get_ticket(id).await,
            None => Err(AppError::new(ErrorCode::NotFound, "Ticket not found.")),
        }
    });
    // Its own <Transition/> beside the ticket's (not inside it): reloading the ticket after a
    // change must not rebuild the live chat.
    let history = Resource::new(ticket_id, |id| async move {
        match id {
            Some(id) => ticket_messages(id, None, Some(CHAT_HISTORY_PAGE)).await,
            None => Err(AppError::new(ErrorCode::NotFound, "Ticket not found.")),
        }
    });
    let closed = Signal::derive(move || {
        ticket.get().and_then(Result::ok).is_some_and(|t| t.status == crate::tickets::model::TicketStatus::Closed)
    });
    let assign = ServerAction::<AssignTicket>::new();
    let change = ServerAction::<ChangeStatus>::new();
    // The outcome of the last action; after any outcome, reload so the screen shows the truth
    // (after a refusal too: someone else may have changed the ticket).
    let outcome = RwSignal::new(None::<AppError>);
    after_each_result(assign.value(), outcome, move || ticket.refetch());
    after_each_result(change.value(), outcome, move || ticket.refetch());

    view! {
        <p class="breadcrumb"><a href=back_href>{format!("← {back_label}")}</a></p>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match ticket.await {
                    Ok(ticket) => Either::Left(view! {
                        <Title text=format!("#{} {}", ticket.id, ticket.title()) />
                        <TicketContext ticket=ticket.clone() />
                        <Controls ticket=ticket.clone() assign change outcome />
                    }),
                    Err(error) => Either::Right(view! {
                        <Title text="Ticket not available" />
                        <LoadError error retry=move |_| ticket.refetch() />
                    }),
                }
            })}
        </Transition>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                // Only for a ticket this person may see (the error shows above otherwise).
                history.await.ok().zip(ticket_id()).map(|(page, id)| view! {
                    <ChatPanel ticket_id=id history=page on_change=move |_| ticket.refetch() closed />
                })
            })}
        </Transition>
    }
}

/// The case itself: pinned above the conversation, never one of its messages.
#[component]
fn TicketContext(ticket: Ticket) -> impl IntoView {
    let agent = ticket.assigned_agent.as_ref().map_or_else(|| "Unassigned".to_owned(), |a| a.display_name.clone());
    view! {
        <section class="ticket-context" aria-labelledby="ticket-title">
            <p class="muted ticket-number">{format!("Ticket #{}", ticket.id)}</p>
            <h1 id="ticket-title">{ticket.title()}</h1>
            <dl class="facts">
                <div><dt>"Status"</dt><dd data-testid="ticket-status"><StatusBadge status=ticket.status /></dd></div>
                <div><dt>"Creator"</dt><dd>{ticket.creator.display_name.clone()}</dd></div>
                <div><dt>"Assigned agent"</dt><dd data-testid="ticket-agent">{agent}</dd></div>
                <div><dt>"Created"</dt><dd>{format_time(ticket.created_at)}</dd></div>
                <div><dt>"Updated"</dt><dd>{format_time(ticket.updated_at)}</dd></div>
                {ticket.resolved_at.map(|at| view! { <div><dt>"Resolved"</dt><dd>{format_time(at)}</dd></div> })}
                {ticket.closed_at.map(|at| view! { <div><dt>"Closed"</dt><dd>{format_time(at)}</dd></div> })}
            </dl>
            <div class="description">{ticket.description.clone()}</div>
        </section>
    }
}

/// Exactly the actions the lifecycle allows this person now; each is a small form.
#[component]
fn Controls(
    ticket: Ticket,
    assign: ServerAction<AssignTicket>,
    change: ServerAction<ChangeStatus>,
    outcome: RwSignal<Option<AppError>>,
) -> impl IntoView {
    let viewer = expect_context::<User>();
    let actions = allowed_actions(&ticket, &viewer);
    let pending = move || assign.pending().get() || change.pending().get();
    let (id, version) = (ticket.id.to_string(), ticket.version.to_string());
    let buttons = actions
        .into_iter()
        .map(|action| {
            let (id, version) = (id.clone(), version.clone());
            match action {
                TicketAction::Assign { .. } => {
                    let label = if ticket.assigned_agent.is_some() { "Assign to me instead" } else { "Assign to me" };
                    EitherOf3::A(view! {
                        <ServerForm action=assign attr:class="inline-form">
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="version" value=version />
                            <button type="submit" class="button primary" disabled=pending>{label}</button>
                        </ServerForm>
                    })
                }
                TicketAction::Close if ticket.status != crate::tickets::model::TicketStatus::Resolved => EitherOf3::B(view! {
                    <StatusForm action=change id version name="close" label="Close without resolving" pending />
                }),
                other => {
                    let label = match other {
                        TicketAction::Resolve => "Mark resolved",
                        TicketAction::Close => "Mark closed",
                        _ => "Reopen",
                    };
                    EitherOf3::C(view! { <StatusForm action=change id version name=other.label() label pending /> })
                }
            }
        })
        .collect_view();
    view! {
        <section class="controls" aria-label="Ticket actions">
            {buttons}
            {move || outcome.get().map(|error| view! { <p class="form-error" role="alert">{error.message}</p> })}
        </section>
    }
}

#[component]
fn StatusForm(
    action: ServerAction<ChangeStatus>,
    id: String,
    version: String,
    name: &'static str,
    label: &'static str,
    pending: impl Fn() -> bool + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <ServerForm action attr:class="inline-form">
            <input type="hidden" name="id" value=id />
            <input type="hidden" name="version" value=version />
            <input type="hidden" name="action" value=name />
            <button type="submit" class="button" disabled=pending>{label}</button>
        </ServerForm>
    }
}
