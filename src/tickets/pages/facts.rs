//! The agent's side pane of a ticket page: the ticket's facts and what else this person has asked.

use leptos::either::Either;
use leptos::prelude::*;

use super::actions::TicketActions;
use super::priority::PriorityFacts;
use super::rating::RatingFact;
use crate::domain::ticket::Ticket;
use crate::sla::pages::SlaFacts;
use crate::ui::{StatusBadge, Time};

/// The ticket's facts, as they are now.
#[component]
pub fn Facts(ticket: Ticket, actions: TicketActions) -> impl IntoView {
    let t = &crate::i18n::t().tickets;
    view! {
        <dl class="facts">
            <PriorityFacts ticket=ticket.clone() actions />
            {ticket.sla.clone().map(|sla| view! { <SlaFacts sla /> })}
            <div><dt>{t.customer}</dt><dd>{ticket.creator.display_name.clone()}<br /><span class="muted">{ticket.creator.email.clone()}</span></dd></div>
            <div><dt>{t.created}</dt><dd><Time at=ticket.created_at /></dd></div>
            <div><dt>{t.last_activity}</dt><dd><Time at=ticket.updated_at /></dd></div>
            {ticket.resolved_at.map(|at| view! { <div><dt>{t.resolved}</dt><dd><Time at /></dd></div> })}
            {ticket.closed_at.map(|at| view! { <div><dt>{t.closed}</dt><dd><Time at /></dd></div> })}
            {ticket.rating.clone().map(|rating| view! { <RatingFact rating /> })}
        </dl>
    }
}

/// Open from the server (and so without JavaScript); folded at once on a narrow screen, where
/// the conversation needs the room. `children`: the [`Facts`], which follow the ticket.
#[component]
pub fn Sidebar(customer: String, others: Vec<Ticket>, children: Children) -> impl IntoView {
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
    let toggle = NodeRef::<leptos::html::Details>::new();
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
                {children()}
            </details>
            <details class="facts-box" open>
                <summary>{(t.other_tickets_from)(&customer)}</summary>
                {others}
            </details>
            </details>
        </aside>
    }
}
