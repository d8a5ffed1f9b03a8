//! A ticket's page, rendered by the server. Agents and admins get two panes: the conversation
//! with its composer, and a sidebar with the ticket's facts and the person's other tickets. Users
//! get a compact header over a conversation that fills the screen. Status and actions sit in the
//! header.

use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use leptos::server_fn::ServerFn;

use super::live::LiveTicket;
use super::priority::{PriorityBadge, PriorityFacts};
use super::rating::{RatingBox, RatingFact};
use crate::domain::account::{Role, User};
use crate::domain::note::Note;
use crate::domain::ticket::{Message, Page, Ticket, TicketAction, TicketStatus, allowed_actions};
use crate::domain::timeline::TimelineEntry;
use crate::error::{AppError, ErrorCode, Problem};
use crate::notes::api::ticket_notes;
use crate::presence::view::{AgentPresence, PresenceDot};
use crate::tickets::api::{AssignTicket, ChangeStatus, get_ticket, list_tickets, ticket_timeline};
use crate::ui::{LoadError, PageTitle, StatusBadge, Time};

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

/// What a ticket's page shows, loaded at once.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Loaded {
    ticket: Ticket,
    history: Page<TimelineEntry>,
    /// Staff: the internal notes (a customer's page never asks for them).
    notes: Vec<Note>,
    /// Staff: the customer's other tickets, for the sidebar.
    others: Vec<Ticket>,
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

/// The whole ticket page, rendered by the server; `from_inbox`: reached from the agents' inbox,
/// which it leads back to. Only the conversation is an island (`LiveTicket`), which also keeps
/// the header and the facts true: it takes their new HTML from the server after every change
/// (`ui::region`), and posts their forms without leaving the page.
#[component]
fn TicketScreen(from_inbox: bool) -> impl IntoView {
    let staff = expect_context::<User>().role.is_staff();
    let ticket_id = ticket_in_path();
    let loaded = Resource::new(move || ticket_id.get(), move |ticket_id| load(ticket_id, staff));
    let texts = crate::i18n::t();
    let t = &texts.tickets;
    let (back_href, back_label) =
        if from_inbox { ("/app/inbox", texts.common.nav_inbox) } else { ("/app/tickets", texts.common.nav_my_tickets) };
    // What the last form post on this page left for it (a refusal, and a refused rating's comment).
    let flash = crate::ui::flash::current();
    let comment = flash.typed("comment");
    let refusal = flash.error;
    view! {
        <div class="ticket-screen" class:with-sidebar=staff>
            <Suspense fallback=|| ()>
                {move || {
                    let (refusal, comment) = (refusal.clone(), comment.clone());
                    Suspend::new(async move {
                        match loaded.await {
                            Ok(Loaded { ticket, history, notes, others }) => Either::Left(view! {
                                <PageTitle text=format!("#{} {}", ticket.id, ticket.title()) />
                                <div id="ticket-head" class="region">
                                    <TicketHeader ticket=ticket.clone() back_href back_label refusal=refusal.clone() />
                                    {(!staff).then(|| view! { <RatingBox ticket=ticket.clone() refusal comment /> })}
                                </div>
                                // What the page says if the ticket is gone for this person while it is
                                // open (a role changed, say): their page then is another one.
                                <template id="ticket-gone">
                                    <Unavailable error=AppError::new(ErrorCode::NotFound, Problem::TicketNotFound) back_href back_label />
                                </template>
                                <div class="ticket-body">
                                    <LiveTicket ticket_id=ticket.id history notes opening=opening_message(&ticket) closed=ticket.status == TicketStatus::Closed />
                                    {staff.then(|| view! { <Sidebar ticket others /> })}
                                </div>
                            }),
                            Err(error) => Either::Right(view! {
                                <PageTitle text=t.ticket_not_available />
                                <Unavailable error back_href back_label />
                            }),
                        }
                    })
                }}
            </Suspense>
        </div>
    }
}

/// The ticket's description, shown as its creator's first message (seq 0) once the thread is
/// loaded back to its start.
fn opening_message(ticket: &Ticket) -> Message {
    Message {
        id: 0,
        ticket_id: ticket.id,
        seq: 0,
        client_id: None,
        sender: ticket.creator.clone(),
        sender_role: Role::User,
        content: ticket.description.clone(),
        created_at: ticket.created_at,
        attachments: Vec::new(),
    }
}

/// The ticket's title and state, with the actions the lifecycle allows this person now.
#[component]
fn TicketHeader(ticket: Ticket, back_href: &'static str, back_label: &'static str, refusal: Option<AppError>) -> impl IntoView {
    let agent = ticket.assigned_agent.as_ref().map(|a| a.display_name.clone());
    let agent_id = ticket.assigned_agent.as_ref().map(|a| a.id);
    let waiting = agent.is_none();
    let t = &crate::i18n::t().tickets;
    let staff = expect_context::<User>().role.is_staff();
    let status = ticket.status.as_str();
    view! {
        <header class="ticket-header" data-ticket-status=status>
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
            <Controls ticket refusal />
        </header>
    }
}

/// Why the ticket is not shown, and where to go instead.
#[component]
fn Unavailable(error: AppError, back_href: &'static str, back_label: &'static str) -> impl IntoView {
    let t = &crate::i18n::t().tickets;
    if error.code == ErrorCode::NotFound {
        Either::Left(view! {
            <div class="unavailable" role="alert" data-testid="ticket-unavailable">
                <h1>{t.not_available_heading}</h1>
                <p>{t.not_available_text}</p>
                <a class="button primary" href=back_href>{(t.back_to)(back_label)}</a>
            </div>
        })
    } else {
        Either::Right(view! { <LoadError error retry=|_| () /> })
    }
}

/// The agent's side pane: the ticket's facts and what else this person has asked. Open from the
/// server; folded at once on a narrow screen (`LiveTicket`), where the conversation needs the room.
#[component]
fn Sidebar(ticket: Ticket, others: Vec<Ticket>) -> impl IntoView {
    let t = &crate::i18n::t().tickets;
    let others = if others.is_empty() {
        Either::Left(view! { <p class="muted">{t.first_ticket}</p> })
    } else {
        Either::Right(view! {
            <ul class="other-tickets">
                {others.into_iter().map(|t| view! {
                    <li>
                        <a href=format!("/app/inbox/{}", t.id)>{t.title()}</a>
                        " " <StatusBadge status=t.status />
                    </li>
                }).collect_view()}
            </ul>
        })
    };
    view! {
        <aside class="ticket-side" aria-label=t.about_ticket>
            <details class="side-toggle" open>
            <summary>{t.ticket_details}</summary>
            <details class="facts-box" open>
                <summary>{t.details}</summary>
                <dl class="facts" id="ticket-facts">
                    <PriorityFacts ticket=ticket.clone() />
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
                {others}
            </details>
            </details>
        </aside>
    }
}

/// Exactly the actions the lifecycle allows this person now; each is a small form (the page's
/// script posts it without leaving the page). Closing for good asks first (a disclosure, so it
/// works without JavaScript too). `refusal`: why the last action on this page was refused.
#[component]
fn Controls(ticket: Ticket, refusal: Option<AppError>) -> impl IntoView {
    let viewer = expect_context::<User>();
    let t = &crate::i18n::t().tickets;
    let actions = allowed_actions(&ticket, &viewer);
    let (id, version) = (ticket.id, ticket.version);
    let buttons = actions
        .into_iter()
        .map(|action| match action {
            TicketAction::Assign { .. } => {
                let label = if ticket.assigned_agent.is_some() { t.assign_to_me_instead } else { t.assign_to_me };
                EitherOf3::A(view! {
                    <form method="post" action=AssignTicket::url() class="inline-form">
                        <input type="hidden" name="id" value=id />
                        <input type="hidden" name="version" value=version />
                        <button type="submit" class="button primary" data-shortcut="assign">{label}</button>
                    </form>
                })
            }
            TicketAction::Close => {
                let label = if ticket.status == TicketStatus::Resolved { t.mark_closed } else { t.close_without_resolving };
                EitherOf3::B(view! {
                    <details class="confirm">
                        <summary class="button">{label}</summary>
                        <div class="confirm-box" role="group" aria-label=t.confirm_closing>
                            <p>{t.close_for_good}</p>
                            <StatusForm id version name="close" label=t.yes_close_it danger=true />
                        </div>
                    </details>
                })
            }
            other => {
                let label = match other {
                    TicketAction::Resolve => t.mark_resolved,
                    _ => t.reopen,
                };
                EitherOf3::C(view! { <StatusForm id version name=other.label() label danger=false /> })
            }
        })
        .collect_view();
    // A refused rating says why next to its own fields.
    let refusal = refusal.filter(|error| !matches!(error.field.as_deref(), Some("score" | "comment")));
    view! {
        <section class="controls" aria-label=t.ticket_actions>
            {buttons}
            {refusal.map(|error| {
                if error.code == ErrorCode::Conflict {
                    // The page shows the ticket as it is now: say what happened, not "reload".
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
fn StatusForm(id: i64, version: i32, name: &'static str, label: &'static str, danger: bool) -> impl IntoView {
    view! {
        <form method="post" action=ChangeStatus::url() class="inline-form">
            <input type="hidden" name="id" value=id />
            <input type="hidden" name="version" value=version />
            <input type="hidden" name="action" value=name />
            <button type="submit" class="button" class:danger=danger data-shortcut=name>{label}</button>
        </form>
    }
}
