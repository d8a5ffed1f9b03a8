use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use crate::ui::{LoadError, Loading, StatusBadge, format_time};
use crate::chat::store::ChatClient;
use crate::tickets::api::list_tickets;
use crate::tickets::model::{Ticket, TicketStatus};

/// Which list: a user's own tickets, the agent inbox, or the admin's view of every ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    Mine,
    Inbox,
    All,
}

/// `/app/tickets`: a user's tickets, newest activity first.
#[component]
pub fn MyTicketsPage() -> impl IntoView {
    view! {
        <Title text="My tickets" />
        <div class="page-head">
            <h1>"My tickets"</h1>
            <a class="button primary" href="/app/tickets/new">"New ticket"</a>
        </div>
        <TicketList kind=ListKind::Mine />
    }
}

/// `/app/inbox`: the queue for agents (and admins).
#[component]
pub fn InboxPage() -> impl IntoView {
    view! {
        <Title text="Inbox" />
        <div class="page-head">
            <h1>"Inbox"</h1>
        </div>
        <TicketList kind=ListKind::Inbox />
    }
}

/// A ticket list whose filters and page live in the URL query.
#[component]
pub fn TicketList(kind: ListKind) -> impl IntoView {
    let query = use_query_map();
    let request = move || {
        let query = query.read();
        (query.get("status"), query.get("assignment"), query.get("include_closed").map(|v| v == "true"), query.get("cursor"))
    };
    let page = Resource::new(request, |(status, assignment, include_closed, cursor)| {
        list_tickets(status, assignment, include_closed, cursor, None)
    });
    let filtered = move || {
        let query = query.read();
        ["status", "assignment", "include_closed"].iter().any(|k| query.get(k).is_some_and(|v| !v.is_empty() && v != "all"))
    };
    let detail_base = if kind == ListKind::Mine { "/app/tickets" } else { "/app/inbox" };
    // Live: when a ticket on screen changes status or assignee, reload the page of the list.
    let chat = use_context::<ChatClient>();
    if let Some(chat) = chat {
        Effect::new(move |previous: Option<u64>| {
            let now = chat.list_changes.get();
            if previous.is_some_and(|p| p != now) {
                page.refetch();
            }
            now
        });
        on_cleanup(move || chat.watch(Vec::new()));
    }

    view! {
        {(kind != ListKind::Mine).then(|| view! { <Filters /> })}
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(result) if result.items.is_empty() => EitherOf3::A(view! { <EmptyList kind filtered=filtered() /> }),
                    Ok(result) => EitherOf3::B({
                        if let Some(chat) = chat {
                            chat.watch(result.items.iter().map(|t| t.id).collect());
                        }
                        view! {
                        <TicketTable tickets=result.items kind detail_base />
                        <Pager next=result.next_cursor />
                    }}),
                    Err(error) => EitherOf3::C(view! { <LoadError error retry=move |_| page.refetch() /> }),
                }
            })}
        </Transition>
    }
}

#[component]
fn TicketTable(tickets: Vec<Ticket>, kind: ListKind, detail_base: &'static str) -> impl IntoView {
    let show_creator = kind != ListKind::Mine;
    let rows = tickets
        .into_iter()
        .map(|ticket| {
            let href = format!("{detail_base}/{}", ticket.id);
            let agent = ticket.assigned_agent.as_ref().map_or_else(|| "Unassigned".to_owned(), |a| a.display_name.clone());
            view! {
                <tr data-ticket-id=ticket.id>
                    <td class="num"><a href=href.clone()>{format!("#{}", ticket.id)}</a></td>
                    <td class="subject"><a href=href>{ticket.title()}</a></td>
                    {show_creator.then(|| view! { <td>{ticket.creator.display_name.clone()}</td> })}
                    <td><StatusBadge status=ticket.status /></td>
                    <td class:muted=ticket.assigned_agent.is_none()>{agent}</td>
                    <td class="time">{format_time(ticket.created_at)}</td>
                    <td class="time">{format_time(ticket.updated_at)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="tickets">
            <thead>
                <tr>
                    <th scope="col">"#"</th>
                    <th scope="col">"Subject"</th>
                    {show_creator.then(|| view! { <th scope="col">"Creator"</th> })}
                    <th scope="col">"Status"</th>
                    <th scope="col">"Agent"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Updated"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// Links to the first page and the next one, keeping the filters.
#[component]
fn Pager(next: Option<String>) -> impl IntoView {
    let query = use_query_map();
    let with_cursor = move |cursor: Option<&str>| {
        let query = query.read();
        let mut parts: Vec<String> = ["status", "assignment", "include_closed"]
            .iter()
            .filter_map(|key| query.get(key).filter(|v| !v.is_empty()).map(|v| format!("{key}={v}")))
            .collect();
        if let Some(cursor) = cursor {
            parts.push(format!("cursor={cursor}"));
        }
        format!("?{}", parts.join("&"))
    };
    let on_later_page = move || query.read().get("cursor").is_some_and(|c| !c.is_empty());
    view! {
        <nav class="pager" aria-label="Pages">
            <Show when=on_later_page>
                <a href=move || with_cursor(None)>"← First page"</a>
            </Show>
            {next.map(|cursor| view! { <a href=move || with_cursor(Some(&cursor)) rel="next">"Next page →"</a> })}
        </nav>
    }
}

#[component]
fn EmptyList(kind: ListKind, filtered: bool) -> impl IntoView {
    let (headline, detail) = match (kind, filtered) {
        (ListKind::Mine, _) => ("You have no tickets yet.", "Open a ticket and our team will answer here."),
        (_, true) => ("No tickets match these filters.", "Try another status or assignment."),
        (_, false) => ("No tickets waiting.", "New tickets appear here as customers open them."),
    };
    view! {
        <div class="empty-state">
            <p>{headline}</p>
            <p class="muted">{detail}</p>
            {(kind == ListKind::Mine).then(|| view! { <a class="button primary" href="/app/tickets/new">"Open a ticket"</a> })}
        </div>
    }
}

/// Status and assignment filters: a GET form, so the URL holds them and Back works.
#[component]
fn Filters() -> impl IntoView {
    let query = use_query_map();
    let current = move |key: &str| query.read().get(key).unwrap_or_default();
    let status_options = std::iter::once(("all", "Any status"))
        .chain(TicketStatus::ALL.iter().map(|s| (s.as_str(), s.as_str())))
        .map(|(value, label)| view! { <option value=value selected=move || current("status") == value>{label}</option> })
        .collect_view();
    let assignment_options = [("all", "Anyone"), ("unassigned", "Unassigned"), ("mine", "Assigned to me")]
        .into_iter()
        .map(|(value, label)| view! { <option value=value selected=move || current("assignment") == value>{label}</option> })
        .collect_view();
    view! {
        <Form method="GET" action="" attr:class="filters" attr:aria-label="Filter tickets">
            <label>"Status " <select name="status">{status_options}</select></label>
            <label>"Assigned to " <select name="assignment">{assignment_options}</select></label>
            <label class="checkbox">
                <input type="checkbox" name="include_closed" value="true" checked=move || current("include_closed") == "true" />
                " Include closed"
            </label>
            <button type="submit" class="button">"Apply"</button>
        </Form>
    }
}
