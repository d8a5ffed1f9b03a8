//! A ticket's page. Agents and admins get two panes: the conversation with its composer, and a
//! sidebar with the ticket's facts and the person's other tickets. Users get a compact header
//! over a conversation that fills the screen. Status and actions sit in the header.

use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::auth::model::User;
use crate::auth::model::Role;
use crate::chat::view::ChatPanel;
use crate::error::{AppError, ErrorCode};
use crate::notes::api::ticket_notes;
use crate::presence::view::{AgentPresence, PresenceDot};
use super::priority::{PriorityBadge, PriorityFacts};
use super::rating::{RatingBox, RatingFact};
use crate::tickets::api::{AssignTicket, ChangeStatus, RateTicket, SetPriority, get_ticket, list_tickets, ticket_timeline};
use crate::tickets::model::{Message, Ticket, TicketAction, TicketStatus, allowed_actions};
use crate::ui::{LoadError, PageTitle, ServerForm, StatusBadge, Time, after_each_result};

const CHAT_HISTORY_PAGE: i64 = 50;

/// `/app/tickets/:ticketId`: a user's ticket.
#[component]
pub fn UserTicketPage() -> impl IntoView {
    view! { <TicketScreen ticket_id=ticket_in_path() from_inbox=false /> }
}

/// `/app/inbox/:ticketId`: a ticket with the agent's controls.
#[component]
pub fn AgentTicketPage() -> impl IntoView {
    view! { <TicketScreen ticket_id=ticket_in_path() from_inbox=true /> }
}

/// The ticket the route names (none when it is not a number).
fn ticket_in_path() -> Option<i64> {
    use_params_map().read_untracked().get("ticketId").and_then(|id| id.parse::<i64>().ok())
}

/// The whole ticket page; `from_inbox`: reached from the agents' inbox, which it leads back to.
#[island]
fn TicketScreen(ticket_id: Option<i64>, from_inbox: bool) -> impl IntoView {
    crate::ui::ready::island_ready();
    let staff = expect_context::<User>().role.is_staff();
    let texts = crate::i18n::t();
    let t = &texts.tickets;
    let (back_href, back_label) =
        if from_inbox { ("/app/inbox", texts.common.nav_inbox) } else { ("/app/tickets", texts.common.nav_my_tickets) };
    let ticket_id = move || ticket_id;
    let ticket = Resource::new(ticket_id, |id| async move {
        match id {
            Some(id) => get_ticket(id).await,
            None => Err(AppError::new(ErrorCode::NotFound, "Ticket not found.")),
        }
    });
    // The conversation loads once, with the ticket as it was then (its description opens the
    // thread): reloading the ticket after a change must not rebuild the live chat.
    let conversation = Resource::new(ticket_id, move |id| async move {
        let id = id.ok_or_else(|| AppError::new(ErrorCode::NotFound, "Ticket not found."))?;
        // Staff also get the internal notes (a customer's page never asks for them).
        let notes = async move { if staff { ticket_notes(id, None, None).await } else { Ok(Vec::new()) } };
        let (ticket, history, notes) = futures_util::future::join3(get_ticket(id), ticket_timeline(id, None, Some(CHAT_HISTORY_PAGE)), notes).await;
        Ok::<_, AppError>((ticket?, history?, notes?))
    });
    // The customer's other tickets, for the agent's sidebar. Made here, not in the sidebar: a
    // resource created while a suspended view renders does not hydrate.
    let others = Resource::new(ticket_id, move |id| async move {
        if !staff {
            return Vec::new();
        }
        let Some(Ok(ticket)) = (match id { Some(id) => Some(get_ticket(id).await), None => None }) else { return Vec::new() };
        let page = list_tickets(None, None, Some(true), None, Some(6), Some(ticket.creator.id), None, None, None, None).await;
        page.map(|page| page.items.into_iter().filter(|t| t.id != ticket.id).take(5).collect()).unwrap_or_default()
    });
    // Once the ticket cannot be loaded any more (access lost, deleted), the whole screen gives way
    // to one message: nothing stale stays on it. A signal the message's view clears in the
    // browser, not `ticket.get()` here: outside a suspense the server may render this before the
    // ticket has loaded, and the browser after, and the two pages would not match.
    let available = RwSignal::new(true);
    let assign = ServerAction::<AssignTicket>::new();
    let change = ServerAction::<ChangeStatus>::new();
    let rate = ServerAction::<RateTicket>::new();
    let set_priority = ServerAction::<SetPriority>::new();
    // The outcome of the last action; after any outcome, reload so the screen shows the truth
    // (after a refusal too: someone else may have changed the ticket).
    let outcome = RwSignal::new(None::<AppError>);
    after_each_result(assign.value(), outcome, move || ticket.refetch());
    after_each_result(change.value(), outcome, move || ticket.refetch());
    after_each_result(set_priority.value(), outcome, move || ticket.refetch());
    // The rating form shows its own errors; a stored rating reloads the ticket.
    Effect::new(move |_| {
        if let Some(Ok(_)) = rate.value().get() {
            ticket.refetch();
        }
    });

    view! {
        <div class="ticket-screen" class:with-sidebar=staff>
            <Transition fallback=HeaderSkeleton>
                {move || Suspend::new(async move {
                    match ticket.await {
                        Ok(ticket) => Either::Left(view! {
                            <PageTitle text=format!("#{} {}", ticket.id, ticket.title()) />
                            <TicketHeader ticket=ticket.clone() back_href back_label assign change outcome />
                            {(!staff).then(|| view! { <RatingBox ticket rate /> })}
                        }),
                        Err(error) => Either::Right(view! {
                            <PageTitle text=t.ticket_not_available />
                            <Unavailable error back_href back_label available retry=move |_| ticket.refetch() />
                        }),
                    }
                })}
            </Transition>
            <Show when=move || available.get()>
                <div class="ticket-body">
                    <Transition fallback=ThreadSkeleton>
                        {move || Suspend::new(async move {
                            // Only for a ticket this person may see (the header says why otherwise).
                            conversation.await.ok().map(|(first, page, notes)| {
                                let opening = Message {
                                    id: 0,
                                    ticket_id: first.id,
                                    seq: 0,
                                    client_id: None,
                                    sender: first.creator.clone(),
                                    sender_role: Role::User,
                                    content: first.description.clone(),
                                    created_at: first.created_at,
                                    attachments: Vec::new(),
                                };
                                // Closed as first loaded (the same on the server and in the browser),
                                // then as every reload of the ticket says.
                                let closed = RwSignal::new(first.status == TicketStatus::Closed);
                                Effect::new(move |_| {
                                    if let Some(Ok(now)) = ticket.get() {
                                        closed.set(now.status == TicketStatus::Closed);
                                    }
                                });
                                view! { <ChatPanel ticket_id=first.id history=page notes opening on_change=move |_| ticket.refetch() closed /> }
                            })
                        })}
                    </Transition>
                    {staff.then(|| view! {
                        <Transition fallback=|| ()>
                            {move || Suspend::new(async move { ticket.await.ok().map(|ticket| view! { <Sidebar ticket others set_priority /> }) })}
                        </Transition>
                    })}
                </div>
            </Show>
        </div>
    }
}

/// The ticket's title and state, with the actions the lifecycle allows this person now.
#[component]
fn TicketHeader(
    ticket: Ticket,
    back_href: &'static str,
    back_label: &'static str,
    assign: ServerAction<AssignTicket>,
    change: ServerAction<ChangeStatus>,
    outcome: RwSignal<Option<AppError>>,
) -> impl IntoView {
    let agent = ticket.assigned_agent.as_ref().map(|a| a.display_name.clone());
    let agent_id = ticket.assigned_agent.as_ref().map(|a| a.id);
    let waiting = agent.is_none();
    let t = &crate::i18n::t().tickets;
    let staff = expect_context::<User>().role.is_staff();
    view! {
        <header class="ticket-header">
            <a class="back" href=back_href>{format!("← {back_label}")}</a>
            <div class="ticket-heading">
                <h1 id="ticket-title">{ticket.title()}</h1>
                <p class="ticket-sub">
                    <span class="ticket-number">{format!("#{}", ticket.id)}</span>
                    <span data-testid="ticket-status"><StatusBadge status=ticket.status /></span>
                    {staff.then(|| view! { <PriorityBadge priority=ticket.priority /> })}
                    {ticket.category.as_ref().map(|category| view! { <span class="category" data-testid="ticket-category">{category.name.clone()}</span> })}
                    <span class="assignee" class:muted=waiting>
                        {if waiting { "" } else { t.agent_prefix }}
                        {staff.then(|| agent_id.map(|id| view! { <PresenceDot user_id=id loaded=ticket.agent_status /> })).flatten()}
                        <span data-testid="ticket-agent">{agent.clone().unwrap_or_else(|| t.unassigned.to_owned())}</span>
                    </span>
                </p>
                // The customer learns whether their agent is around while the ticket is in hand.
                {(!staff && ticket.status == TicketStatus::Assigned).then(|| agent_id.zip(agent).map(|(id, name)| view! {
                    <AgentPresence agent_id=id name loaded=ticket.agent_status />
                })).flatten()}
            </div>
            <Controls ticket assign change outcome />
        </header>
    }
}

/// Why the ticket is not shown, and where to go instead.
#[component]
fn Unavailable(
    error: AppError,
    back_href: &'static str,
    back_label: &'static str,
    available: RwSignal<bool>,
    #[prop(into)] retry: Callback<()>,
) -> impl IntoView {
    Effect::new(move |_| available.set(false));
    let t = &crate::i18n::t().tickets;
    if error.code == ErrorCode::NotFound {
        Either::Left(view! {
            <div class="unavailable" role="alert" data-testid="ticket-unavailable">
                <h1>{t.not_available_heading}</h1>
                <p>{t.not_available_text}</p>
                // A full page load: the account's role may have changed, and the app frame with it.
                <a class="button primary" href=back_href rel="external">{(t.back_to)(back_label)}</a>
            </div>
        })
    } else {
        Either::Right(view! { <LoadError error retry /> })
    }
}

#[component]
fn HeaderSkeleton() -> impl IntoView {
    let t = &crate::i18n::t().tickets;
    view! {
        <div class="ticket-header skeleton" aria-busy="true" aria-label=t.loading_ticket>
            <span class="bone short"></span>
            <span class="bone title"></span>
        </div>
    }
}

#[component]
fn ThreadSkeleton() -> impl IntoView {
    let t = &crate::i18n::t().tickets;
    view! {
        <div class="chat skeleton" aria-busy="true" aria-label=t.loading_conversation>
            <span class="bone bubble-left"></span>
            <span class="bone bubble-right"></span>
            <span class="bone bubble-left"></span>
        </div>
    }
}

/// The agent's side pane: the ticket's facts and what else this person has asked.
#[component]
fn Sidebar(ticket: Ticket, others: Resource<Vec<Ticket>>, set_priority: ServerAction<SetPriority>) -> impl IntoView {
    // Open from the server (and so without JavaScript); folded at once on a narrow screen, where
    // the conversation needs the room.
    let toggle = NodeRef::<leptos::html::Details>::new();
    let t = &crate::i18n::t().tickets;
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let narrow = window().match_media("(max-width: 48rem)").ok().flatten().is_some_and(|query| query.matches());
        if let (true, Some(details)) = (narrow, toggle.get()) {
            details.set_open(false);
        }
    });
    view! {
        <aside class="ticket-side" aria-label=t.about_ticket>
            <details class="side-toggle" open node_ref=toggle>
            <summary>{t.ticket_details}</summary>
            <details class="facts-box" open>
                <summary>{t.details}</summary>
                <dl class="facts">
                    <PriorityFacts ticket=ticket.clone() set=set_priority />
                    {ticket.sla.clone().map(|sla| view! { <crate::sla::pages::SlaFacts sla /> })}
                    <div><dt>{t.customer}</dt><dd>{ticket.creator.display_name.clone()}<br /><span class="muted">{ticket.creator.email.clone()}</span></dd></div>
                    <div><dt>{t.created}</dt><dd><Time at=ticket.created_at /></dd></div>
                    <div><dt>{t.last_activity}</dt><dd><Time at=ticket.updated_at /></dd></div>
                    {ticket.resolved_at.map(|at| view! { <div><dt>{t.resolved}</dt><dd><Time at /></dd></div> })}
                    {ticket.closed_at.map(|at| view! { <div><dt>{t.closed}</dt><dd><Time at /></dd></div> })}
                    {ticket.rating.clone().map(|rating| view! { <RatingFact rating /> })}
                </dl>
            </details>
            <details class="facts-box" open>
                <summary>{(t.other_tickets_from)(&ticket.creator.display_name)}</summary>
                <Transition fallback=move || view! { <p class="muted">{t.looking_them_up}</p> }>
                    {move || Suspend::new(async move {
                        let list = others.await;
                        if list.is_empty() {
                            Either::Left(view! { <p class="muted">{t.first_ticket}</p> })
                        } else {
                            Either::Right(view! {
                                <ul class="other-tickets">
                                    {list.into_iter().map(|t| view! {
                                        <li>
                                            <a href=format!("/app/inbox/{}", t.id)>{t.title()}</a>
                                            " " <StatusBadge status=t.status />
                                        </li>
                                    }).collect_view()}
                                </ul>
                            })
                        }
                    })}
                </Transition>
            </details>
            </details>
        </aside>
    }
}

/// Exactly the actions the lifecycle allows this person now; each is a small form. Closing for
/// good asks first (a disclosure, so it works without JavaScript too).
#[component]
fn Controls(
    ticket: Ticket,
    assign: ServerAction<AssignTicket>,
    change: ServerAction<ChangeStatus>,
    outcome: RwSignal<Option<AppError>>,
) -> impl IntoView {
    let viewer = expect_context::<User>();
    let t = &crate::i18n::t().tickets;
    let actions = allowed_actions(&ticket, &viewer);
    let pending = move || assign.pending().get() || change.pending().get();
    let (id, version) = (ticket.id.to_string(), ticket.version.to_string());
    let buttons = actions
        .into_iter()
        .map(|action| {
            let (id, version) = (id.clone(), version.clone());
            match action {
                TicketAction::Assign { .. } => {
                    let label = if ticket.assigned_agent.is_some() { t.assign_to_me_instead } else { t.assign_to_me };
                    EitherOf3::A(view! {
                        <ServerForm action=assign attr:class="inline-form">
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="version" value=version />
                            <button type="submit" class="button primary" data-shortcut="assign" disabled=pending>{label}</button>
                        </ServerForm>
                    })
                }
                TicketAction::Close => {
                    let label = if ticket.status == TicketStatus::Resolved { t.mark_closed } else { t.close_without_resolving };
                    EitherOf3::B(view! {
                        <details class="confirm">
                            <summary class="button">{label}</summary>
                            <div class="confirm-box" role="group" aria-label=t.confirm_closing>
                                <p>{t.close_for_good}</p>
                                <StatusForm action=change id version name="close" label=t.yes_close_it pending danger=true />
                            </div>
                        </details>
                    })
                }
                other => {
                    let label = match other {
                        TicketAction::Resolve => t.mark_resolved,
                        _ => t.reopen,
                    };
                    EitherOf3::C(view! { <StatusForm action=change id version name=other.label() label pending danger=false /> })
                }
            }
        })
        .collect_view();
    view! {
        <section class="controls" aria-label=t.ticket_actions>
            {buttons}
            {move || outcome.get().map(|error| {
                if error.code == ErrorCode::Conflict {
                    // The screen has been reloaded meanwhile: say what happened, not "reload".
                    Either::Left(view! {
                        <p class="notice" role="status" data-testid="action-conflict">
                            {t.changed_by_someone_else}
                        </p>
                    })
                } else {
                    Either::Right(view! { <p class="form-error" role="alert">{crate::i18n::error_message(&error)}</p> })
                }
            })}
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
    danger: bool,
) -> impl IntoView {
    view! {
        <ServerForm action attr:class="inline-form">
            <input type="hidden" name="id" value=id />
            <input type="hidden" name="version" value=version />
            <input type="hidden" name="action" value=name />
            <button type="submit" class="button" class:danger=danger data-shortcut=name disabled=pending>{label}</button>
        </ServerForm>
    }
}
