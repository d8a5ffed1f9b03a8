//! A ticket page's header: title and state, the actions the lifecycle allows this person now, and
//! what the page says when the ticket is not (or no longer) there for them.

use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;

use super::actions::TicketActions;
use super::priority::PriorityBadge;
use crate::domain::account::User;
use crate::domain::ticket::{Ticket, TicketAction, TicketStatus, allowed_actions};
use crate::error::{AppError, ErrorCode};
use crate::presence::view::{AgentPresence, PresenceDot};
use crate::ui::{LoadError, ServerForm, StatusBadge};

/// The ticket's title and state, with the actions the lifecycle allows this person now.
#[component]
pub fn TicketHeader(ticket: Ticket, back_href: &'static str, back_label: &'static str, actions: TicketActions) -> impl IntoView {
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
            <Controls ticket actions />
        </header>
    }
}

/// Why the ticket is not shown, and where to go instead. `reload`: the way out loads the page
/// anew (the ticket went away while open: the person's role may have changed, and with it the
/// pages they may see).
#[component]
pub fn Unavailable(error: AppError, back_href: &'static str, back_label: &'static str, #[prop(optional)] reload: bool) -> impl IntoView {
    let t = &crate::i18n::t().tickets;
    if error.code == ErrorCode::NotFound {
        Either::Left(view! {
            <div class="unavailable" role="alert" data-testid="ticket-unavailable">
                <h1>{t.not_available_heading}</h1>
                <p>{t.not_available_text}</p>
                <a class="button primary" href=back_href rel=reload.then_some("external")>{(t.back_to)(back_label)}</a>
            </div>
        })
    } else {
        Either::Right(view! { <LoadError error retry=|_| () /> })
    }
}

/// Exactly the actions the lifecycle allows this person now; each is a small form. Closing for
/// good asks first (a disclosure, so it works without JavaScript too). Under them, why the last
/// action on this page was refused.
#[component]
fn Controls(ticket: Ticket, actions: TicketActions) -> impl IntoView {
    let viewer = expect_context::<User>();
    let t = &crate::i18n::t().tickets;
    let (id, version) = (ticket.id, ticket.version);
    let buttons = allowed_actions(&ticket, &viewer)
        .into_iter()
        .map(|action| match action {
            TicketAction::Assign { .. } => {
                let label = if ticket.assigned_agent.is_some() { t.assign_to_me_instead } else { t.assign_to_me };
                EitherOf3::A(view! {
                    <ServerForm action=actions.assign attr:class="inline-form">
                        <input type="hidden" name="id" value=id />
                        <input type="hidden" name="version" value=version />
                        <button type="submit" class="button primary" data-shortcut="assign" disabled=move || actions.busy()>{label}</button>
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
                            <StatusForm id version name="close" label=t.yes_close_it danger=true actions />
                        </div>
                    </details>
                })
            }
            other => {
                let label = match other {
                    TicketAction::Resolve => t.mark_resolved,
                    _ => t.reopen,
                };
                EitherOf3::C(view! { <StatusForm id version name=other.label() label danger=false actions /> })
            }
        })
        .collect_view();
    // A refused rating says why next to its own fields.
    let refusal = move || actions.refusal.get().filter(|error| !matches!(error.field.as_deref(), Some("score" | "comment")));
    view! {
        <section class="controls" aria-label=t.ticket_actions>
            {buttons}
            {move || refusal().map(|error| {
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
fn StatusForm(id: i64, version: i32, name: &'static str, label: &'static str, danger: bool, actions: TicketActions) -> impl IntoView {
    view! {
        <ServerForm action=actions.status attr:class="inline-form">
            <input type="hidden" name="id" value=id />
            <input type="hidden" name="version" value=version />
            <input type="hidden" name="action" value=name />
            <button type="submit" class="button" class:danger=danger data-shortcut=name disabled=move || actions.busy()>{label}</button>
        </ServerForm>
    }
}
