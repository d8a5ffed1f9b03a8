//! Priority for staff: a badge where it matters (lists, the ticket's header), and the control that
//! sets it in the ticket's facts. Customers never see it.

use leptos::prelude::*;

use super::actions::TicketActions;
use crate::domain::ticket::{Priority, Ticket, TicketStatus};
use crate::tickets::api::SetPriority;
use crate::ui::ServerForm;

/// Shown for every priority but the usual one: "normal" on every row would be noise.
#[component]
pub fn PriorityBadge(priority: Priority) -> impl IntoView {
    let t = &crate::i18n::t().tickets;
    (priority != Priority::Normal).then(|| {
        view! { <span class=format!("priority priority-{}", priority.as_str()) data-testid="priority">{t.priority_name(priority)}</span> }
    })
}

/// The ticket's priority with a form to change it (without JavaScript, chosen then set with its
/// button; with it, choosing applies at once), and where the ticket came from.
#[component]
pub fn PriorityFacts(ticket: Ticket, actions: TicketActions) -> impl IntoView {
    let t = &crate::i18n::t().tickets;
    let closed = ticket.status == TicketStatus::Closed;
    let id = ticket.id;
    let choose = move |event: leptos::ev::Event| {
        actions.priority.dispatch(SetPriority { id, priority: event_target_value(&event) });
    };
    let options = Priority::ALL
        .into_iter()
        .map(|p| view! { <option value=p.as_str() selected=p == ticket.priority>{t.priority_name(p)}</option> })
        .collect_view();
    view! {
        <div>
            <dt><label for="ticket-priority">{t.priority}</label></dt>
            <dd>
                <ServerForm action=actions.priority attr:class="inline-form priority-form">
                    <input type="hidden" name="id" value=id />
                    <select id="ticket-priority" name="priority" disabled=closed on:change=choose>{options}</select>
                    // Only without JavaScript (hidden once hydrated: choosing applies at once).
                    <button type="submit" class="button subtle apply" disabled=closed>{t.set_priority}</button>
                </ServerForm>
            </dd>
        </div>
        <div>
            <dt>{t.source}</dt>
            <dd data-testid="ticket-source">{t.source_name(ticket.source)}</dd>
        </div>
    }
}

