//! Ticket lists. The inbox is the agents' work queue: tabs with live counts, new tickets appearing
//! as they are opened, each row with the last message and how long the customer has waited.
//! Filters and the page live in the URL, so every state of a list is a link.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::params::ParamsMap;

use super::{ListKind, LoadedRows, OnScreen};
use super::priority::PriorityBadge;

use crate::domain::account::User;
use crate::domain::ticket::{EXCERPT_MAX_CHARS, Page, Priority, QueueCounts, TITLE_MAX_CHARS, Ticket, TicketFilter, TicketSort, TicketStatus};
use crate::presence::view::PresenceDot;
use crate::sla::pages::SlaBadge;
use crate::tickets::api::{inbox_counts, list_tickets};
use crate::ui::{GetForm, LoadError, PageTitle, StatusBadge, Time, Waiting, url};
use crate::unread::view::UnreadBadge;

/// `/app/tickets`: a user's tickets, newest activity first.
#[component]
pub fn MyTicketsPage() -> impl IntoView {
    let nav = &crate::i18n::t().common;
    view! {
        <PageTitle text=nav.nav_my_tickets />
        <div class="page-head">
            <h1>{nav.nav_my_tickets}</h1>
            <a class="button primary" href="/app/tickets/new">{nav.nav_new_ticket}</a>
        </div>
        <TicketList kind=ListKind::Mine />
        <crate::mail::view::EmailSetting />
    }
}

/// `/app/inbox`: the queue for agents (and admins).
#[component]
pub fn InboxPage() -> impl IntoView {
    let nav = &crate::i18n::t().common;
    view! {
        <PageTitle text=nav.nav_inbox />
        <div class="page-head">
            <h1>{nav.nav_inbox}</h1>
            <crate::ui::shortcuts::ShortcutsButton />
        </div>
        <crate::presence::view::TeamPresence />
        <TicketList kind=ListKind::Inbox />
    }
}

/// The query keys of a list's filters and order (the page's cursor aside).
const FILTER_KEYS: [&str; 7] = ["assignment", "status", "include_closed", "category", "priority", "sla", "sort"];

/// The order a list has when its URL names none: the inbox puts the most urgent work first.
fn default_sort(kind: ListKind) -> TicketSort {
    if kind == ListKind::Inbox { TicketSort::Priority } else { TicketSort::Recent }
}

/// A ticket list whose filters and page live in the URL query: the filters (the server's HTML),
/// then the rows, inside [`LiveList`], which renders the rows and keeps them current.
#[component]
pub fn TicketList(kind: ListKind) -> impl IntoView {
    view! {
        <LiveList kind>
            <ListFilters kind />
        </LiveList>
    }
}

/// The rows of the list the address asks for, with the pager (or why there are none); the rows
/// on screen stay while a newer page loads.
#[component]
fn Rows(kind: ListKind, page: LoadedRows) -> impl IntoView {
    let query = url::query();
    let detail_base = if kind == ListKind::Mine { "/app/tickets" } else { "/app/inbox" };
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let filtered = query.with_untracked(|query| {
                    FILTER_KEYS.iter().filter(|k| **k != "sort").any(|k| query.get(k).is_some_and(|v| !v.is_empty() && v != "all"))
                });
                let first_page = query.with_untracked(|query| query.get("cursor").is_none_or(|c| c.is_empty()));
                match page.await {
                    Ok(result) => Either::Left(view! {
                        <TicketRows tickets=result.items kind detail_base filtered first_page last_page=result.next_cursor.is_none() />
                        <Pager next=result.next_cursor />
                    }),
                    Err(error) => Either::Right(view! { <LoadError error retry=move |_| page.refetch() /> }),
                }
            })}
        </Transition>
    }
}

/// The filter and order of the list the address's `query` asks for, as the server applies them
/// (what it would refuse, it lists nothing for: the rows on screen came from the server).
fn filter_of(kind: ListKind, query: &ParamsMap) -> TicketFilter {
    let chosen = |key: &str| query.get(key).filter(|v| !v.is_empty() && v != "all");
    let include_closed = include_closed_of(kind, query);
    TicketFilter {
        status: chosen("status").and_then(|s| TicketStatus::parse(&s)),
        assignment: chosen("assignment"),
        include_closed,
        creator: None,
        category: chosen("category").and_then(|id| id.parse().ok()),
        priority: chosen("priority").and_then(|p| Priority::parse(&p)),
        sla_breached: chosen("sla").is_some_and(|v| v == "breached"),
        sort: chosen("sort").and_then(|s| TicketSort::parse(&s)).unwrap_or(default_sort(kind)),
    }
}

/// Whether the list shows closed tickets: the inbox is the open work, for admins too (closed
/// tickets only when asked for); other lists leave it to the server's default unless asked.
fn include_closed_of(kind: ListKind, query: &ParamsMap) -> Option<bool> {
    match kind {
        ListKind::Inbox => Some(query.get("include_closed").is_some_and(|v| v == "true")),
        _ => query.get("include_closed").map(|v| v == "true"),
    }
}

/// The page of tickets the address's `query` asks for.
async fn load_rows(kind: ListKind, query: ParamsMap) -> Result<Page<Ticket>, crate::error::AppError> {
    let include_closed = include_closed_of(kind, &query);
    let category = query.get("category").and_then(|id| id.parse::<i64>().ok());
    let sort = query.get("sort").filter(|s| !s.is_empty()).unwrap_or_else(|| default_sort(kind).as_str().to_owned());
    list_tickets(
        query.get("status"),
        query.get("assignment"),
        include_closed,
        query.get("cursor"),
        None,
        None,
        category,
        query.get("priority"),
        Some(sort),
        query.get("sla"),
    )
    .await
    .map(|mut page| {
        // A row shows the description only as its title's first line and a preview excerpt, so
        // the page's data for the browser keeps just that much of it (up to 10,000 characters).
        const _: () = assert!(TITLE_MAX_CHARS <= EXCERPT_MAX_CHARS, "the kept part must hold the title");
        for ticket in &mut page.items {
            if ticket.description.chars().count() > EXCERPT_MAX_CHARS + 1 {
                ticket.description = ticket.description.chars().take(EXCERPT_MAX_CHARS + 1).collect();
            }
        }
        page
    })
}

/// What a list runs in the browser: the inbox's tabs with their counts, the filters (the server's
/// HTML, `children`) and the rows, kept current from the live client's reports (`TicketRows`):
/// changed tickets, messages, new tickets (the inbox, highlighted), unread counts and presence.
/// They load again (as data) only after a reconnect; the tabs' counts when tickets move.
#[component]
fn LiveList(kind: ListKind, children: Children) -> impl IntoView {
    let query = url::query();
    // Bumped when the live client says the rows on screen are out of date.
    let stale = RwSignal::new(0u64);
    let page: LoadedRows = Resource::new(move || (query.get(), stale.get()), move |(query, _)| load_rows(kind, query));
    // The rows first show what was loaded (as the server rendered them), then what the live
    // client knows better: unread counts. Owned here, not by the rows, which each load replaces.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    provide_context(Hydrated(hydrated));
    // The tabs' counts load in the browser (the page is served without waiting for them: they
    // count the whole table; the list itself is one index range), then follow the moves the
    // socket reports (`inbox:moved`, new tickets). They load again only after a break.
    let moves = use_context::<crate::client::LiveClient>().map(|client| client.queue_moves);
    let moved = move || moves.and_then(|moves| moves.try_get_untracked()).unwrap_or_default();
    let loaded = RwSignal::new(None::<(QueueCounts, QueueCounts)>);
    let count_again = RwSignal::new(0u64);
    Effect::new(move |_| {
        count_again.track();
        if kind == ListKind::Inbox {
            leptos::task::spawn_local(async move {
                // A move reported during the load may or may not be in it: then load again.
                for _ in 0..3 {
                    let before = moved();
                    let Ok(counts) = inbox_counts().await else { return };
                    // The list may be gone by the time they come.
                    if loaded.try_set(Some((counts, before))).is_some() || moved() == before {
                        return;
                    }
                }
            });
        }
    });
    // A closure, not a derived signal: one type fewer in Leptos' signal machinery.
    let counts = move || {
        let now = moves.map(|moves| moves.get()).unwrap_or_default();
        loaded.get().map(|(counts, then)| counts.with_moves(&then, &now))
    };
    let on_screen = OnScreen(RwSignal::new(Vec::new()));
    provide_context(on_screen);
    #[cfg(feature = "hydrate")]
    super::live_rows::start(
        kind,
        page,
        on_screen,
        move || {
            stale.try_update(|n| *n += 1);
            count_again.try_update(|n| *n += 1);
        },
    );
    view! {
        {(kind == ListKind::Inbox).then(|| view! { <Tabs counts /> })}
        {children()}
        <div id="ticket-rows"><Rows kind page /></div>
    }
}

/// Whether the list has hydrated (context for its rows: until then they show what was loaded).
#[derive(Clone, Copy)]
struct Hydrated(RwSignal<bool>);

/// The inbox's views, each with its live count: what waits for an agent, mine, everything open.
#[component]
fn Tabs(counts: impl Fn() -> Option<QueueCounts> + Copy + Send + Sync + 'static) -> impl IntoView {
    let query = url::query();
    let current = move || query.read().get("assignment").unwrap_or_default();
    let t = &crate::i18n::t().tickets;
    let lang = crate::i18n::lang();
    let tab = move |value: &'static str, label: &'static str, count: fn(&QueueCounts) -> i64| {
        let href = if value.is_empty() { "/app/inbox".to_owned() } else { format!("/app/inbox?assignment={value}") };
        let active = move || current() == value || (value.is_empty() && current() == "all");
        view! {
            <a href=href class="tab" aria-current=move || active().then_some("page")>
                {label}
                // Empty on the server and while hydrating, then the count.
                <span class="count">{move || counts().map(|c| lang.number(count(&c)))}</span>
            </a>
        }
    };
    view! {
        <nav class="tabs" aria-label=t.views>
            {tab("unassigned", t.tab_unassigned, |c| c.unassigned)}
            {tab("mine", t.tab_mine, |c| c.mine)}
            {tab("", t.tab_all_open, |c| c.all)}
        </nav>
    }
}

/// The rows of one loaded page, kept current in the browser from what the live client hears:
/// a changed ticket replaces its row (and leaves the list when the filter no longer admits it), a
/// new one joins where the order puts it within this page, a message updates its preview; the
/// rows stay in the list's order. Nothing is loaded for it.
#[component]
fn TicketRows(tickets: Vec<Ticket>, kind: ListKind, detail_base: &'static str, filtered: bool, first_page: bool, last_page: bool) -> impl IntoView {
    let chat = use_context::<crate::client::LiveClient>();
    let live = use_context::<Hydrated>().map(|hydrated| hydrated.0);
    let on_screen = use_context::<OnScreen>();
    let me = use_context::<User>();
    let query = url::query();
    let loaded = StoredValue::new(tickets);
    let shown = Memo::new(move |_| {
        let mut rows = loaded.get_value();
        let (Some(chat), Some(me)) = (chat.filter(|_| live.is_some_and(|live| live.get())), me.as_ref()) else { return rows };
        let filter = query.with_untracked(|query| filter_of(kind, query));
        // The browser's clock (chrono has none in WebAssembly), as the SLA badges read it.
        let now = untrack(crate::ui::time::Clock::now_fine).and_then(chrono::DateTime::from_timestamp_millis).unwrap_or_default();
        // The rows as loaded are the server's answer; what changed since is checked against the filter.
        let mut changed: Vec<i64> = Vec::new();
        chat.with_reported(|reported| {
            let reported = |id: &i64| reported.get(id).and_then(|news| news.ticket());
            for row in &mut rows {
                if let Some(fresh) = reported(&row.id).filter(|fresh| fresh.is_not_older_than(row)) {
                    *row = Ticket { unread: row.unread, ..fresh };
                    changed.push(row.id);
                }
            }
            // New tickets (the inbox) within this page's stretch of the order.
            let (first, last) = (rows.first().cloned(), rows.last().cloned());
            let fits = |ticket: &Ticket| {
                (first_page || first.as_ref().is_some_and(|first| filter.sort.compare(ticket, first).is_ge()))
                    && (last_page || last.as_ref().is_some_and(|last| filter.sort.compare(ticket, last).is_le()))
            };
            chat.new_tickets.with(|ids| {
                for id in ids {
                    if let Some(ticket) = reported(id).filter(|t| !rows.iter().any(|row| row.id == t.id) && fits(t)) {
                        rows.push(ticket);
                        changed.push(*id);
                    }
                }
            });
        });
        rows.retain(|row| !changed.contains(&row.id) || filter.admits(row, me, now));
        chat.previews.with(|previews| {
            for row in &mut rows {
                if let Some(last) = previews.get(&row.id).filter(|last| row.last_message.as_ref().is_none_or(|m| m.at <= last.at)) {
                    row.last_message = Some(last.clone());
                }
            }
        });
        rows.sort_by(|a, b| filter.sort.compare(a, b));
        rows
    });
    // The live client follows what is on screen, and counts on from a new ticket's unread
    // messages (every message so far: nobody has read it).
    if let Some(on_screen) = on_screen {
        Effect::new(move |_| {
            let ids: Vec<i64> = shown.with(|rows| rows.iter().map(|row| row.id).collect());
            if let Some(chat) = chat {
                let fresh = chat.new_tickets.get_untracked();
                shown.with(|rows| rows.iter().filter(|row| fresh.contains(&row.id)).for_each(|row| chat.seed_unread(row.id, row.unread, row.last_seq)));
            }
            if on_screen.0.with_untracked(|now| *now != ids) {
                on_screen.0.set(ids);
            }
        });
    }
    let t = &crate::i18n::t().tickets;
    view! {
        <Show when=move || shown.with(|rows| !rows.is_empty()) fallback=move || view! { <EmptyList kind filtered /> }>
            <ul class="queue" aria-label=t.tickets>
                <For each=move || shown.get() key=|ticket| ticket.clone() let:ticket>
                    <TicketRow ticket kind detail_base />
                </For>
            </ul>
        </Show>
    }
}

#[component]
fn TicketRow(ticket: Ticket, kind: ListKind, detail_base: &'static str) -> impl IntoView {
    let show_creator = kind != ListKind::Mine;
    let t = &crate::i18n::t().tickets;
    let chat = use_context::<crate::client::LiveClient>();
    let live = use_context::<Hydrated>().map(|hydrated| hydrated.0);
    let id = ticket.id;
    let href = format!("{detail_base}/{id}");
    let last = ticket.last_message.clone();
    let waiting = ticket.waiting_since(last.as_ref());
    // For staff, a customer's message nobody has answered; for the customer, an answer.
    let needs_attention = if show_creator {
        waiting.is_some()
    } else {
        ticket.status == TicketStatus::Assigned && last.as_ref().is_some_and(|m| m.from_staff)
    };
    // The customer's own words are "You" on their list; staff see who wrote.
    let preview = match last.clone() {
        Some(last) => {
            let sender = if !show_creator && !last.from_staff { t.you.to_owned() } else { last.sender_name };
            Either::Left(view! {
                <span class="sender">{sender}": "</span>
                {if last.excerpt.is_empty() { Either::Left(view! { <em>{t.sent_files}</em> }) } else { Either::Right(last.excerpt) }}
                <span class="preview-age">" · "<Time at=last.at /></span>
            })
        }
        None => Either::Right(ticket.description.chars().take(EXCERPT_MAX_CHARS).collect::<String>()),
    };
    let agent = ticket.assigned_agent.as_ref().map_or_else(|| t.unassigned.to_owned(), |a| a.display_name.clone());
    let loaded_unread = ticket.unread;
    let unread = move || chat.filter(|_| live.is_some_and(|live| live.get())).and_then(|chat| chat.unread_of(id)).unwrap_or(loaded_unread);
    let fresh = move || chat.is_some_and(|chat| chat.new_tickets.with(|fresh| fresh.contains(&id)));
    let latest = last.as_ref().map_or(ticket.updated_at, |m| m.at.max(ticket.updated_at));
    view! {
        <li class="queue-row" class:attention=needs_attention class:fresh=fresh data-ticket-id=id>
            <span class="marker" title=if needs_attention { t.waiting_for_reply } else { "" }></span>
            <div class="row-main">
                <a class="row-link" href=href>{ticket.title()}</a>
                <span class="unread-slot"><UnreadBadge count=unread /></span>
                <p class="preview">{preview}</p>
            </div>
            <div class="row-facts">
                <span class="num">{format!("#{id}")}</span>
                {show_creator.then(|| view! { <span class="who">{ticket.creator.display_name.clone()}</span> })}
                <StatusBadge status=ticket.status />
                {show_creator.then(|| view! { <PriorityBadge priority=ticket.priority /> })}
                {ticket.sla.clone().filter(|_| show_creator).map(|sla| view! { <SlaBadge sla /> })}
                {ticket.category.as_ref().map(|category| view! { <span class="category">{category.name.clone()}</span> })}
                <span class="agent" class:muted=ticket.assigned_agent.is_none()>
                    {ticket.assigned_agent.as_ref().map(|a| view! { <PresenceDot user_id=a.id loaded=ticket.agent_status /> })}
                    {agent}
                </span>
            </div>
            <div class="row-time">
                {match waiting {
                    Some(since) if show_creator => Either::Left(view! { <Waiting since /> }),
                    _ => Either::Right(view! { <Time at=latest /> }),
                }}
            </div>
        </li>
    }
}

/// Links to the first page and the next one, keeping the filters.
#[component]
fn Pager(next: Option<String>) -> impl IntoView {
    let query = url::query();
    let with_cursor = move |cursor: Option<&str>| {
        let query = query.read();
        let mut parts: Vec<String> = FILTER_KEYS
            .iter()
            .filter_map(|key| query.get(key).filter(|v| !v.is_empty()).map(|v| format!("{key}={v}")))
            .collect();
        if let Some(cursor) = cursor {
            parts.push(format!("cursor={cursor}"));
        }
        format!("?{}", parts.join("&"))
    };
    let on_later_page = move || query.read().get("cursor").is_some_and(|c| !c.is_empty());
    let t = &crate::i18n::t().common;
    view! {
        <nav class="pager" aria-label=t.pager>
            <Show when=on_later_page>
                <a href=move || with_cursor(None)>{t.first_page}</a>
            </Show>
            {next.map(|cursor| view! { <a href=move || with_cursor(Some(&cursor)) rel="next">{t.next_page}</a> })}
        </nav>
    }
}

#[component]
fn EmptyList(kind: ListKind, filtered: bool) -> impl IntoView {
    let t = &crate::i18n::t().tickets;
    let (headline, detail) = match (kind, filtered) {
        (ListKind::Mine, _) => (t.no_tickets_yet, t.no_tickets_yet_detail),
        (_, true) => (t.no_matching_tickets, t.no_matching_tickets_detail),
        (_, false) => (t.no_tickets_waiting, t.no_tickets_waiting_detail),
    };
    view! {
        <div class="empty-state">
            <p>{headline}</p>
            <p class="muted">{detail}</p>
            {(kind == ListKind::Mine).then(|| view! { <a class="button primary" href="/app/tickets/new">{t.open_a_ticket}</a> })}
        </div>
    }
}

/// The filters of a list (none on a user's own): a GET form (with an Apply button without
/// JavaScript), applied as each choice changes (`ApplyOnChange`).
#[component]
fn ListFilters(kind: ListKind) -> impl IntoView {
    (kind != ListKind::Mine).then(|| view! { <crate::ui::apply::ApplyOnChange><Filters kind /></crate::ui::apply::ApplyOnChange> })
}

/// Status, priority, SLA, category (and, outside the inbox, assignment) filters and the order: a GET form, so the URL holds them and
/// Back works. With JavaScript each change applies at once ([`crate::ui::apply`]); without it, "Apply" submits.
#[component]
fn Filters(kind: ListKind) -> impl IntoView {
    let query = url::query();
    let current = move |key: &str| query.read().get(key).unwrap_or_default();
    let texts = crate::i18n::t();
    let t = &texts.tickets;
    let categories = Resource::new(|| (), |_| crate::categories::api::active_categories());
    let status_options = std::iter::once(("all", t.any_status))
        .chain(TicketStatus::ALL.iter().map(|s| (s.as_str(), texts.common.status(*s))))
        .map(|(value, label)| view! { <option value=value selected=move || current("status") == value>{label}</option> })
        .collect_view();
    let priority_options = std::iter::once(("all", t.any_priority))
        .chain(Priority::ALL.iter().map(|p| (p.as_str(), t.priority_name(*p))))
        .map(|(value, label)| view! { <option value=value selected=move || current("priority") == value>{label}</option> })
        .collect_view();
    let sort_now = move || Some(current("sort")).filter(|s| !s.is_empty()).unwrap_or_else(|| default_sort(kind).as_str().to_owned());
    let sort_options = [(TicketSort::Priority, t.sort_priority), (TicketSort::Due, texts.sla.sort_due), (TicketSort::Recent, t.sort_recent)]
        .into_iter()
        .map(|(sort, label)| view! { <option value=sort.as_str() selected=move || sort_now() == sort.as_str()>{label}</option> })
        .collect_view();
    let assignment_options = [("all", t.anyone), ("unassigned", t.unassigned), ("mine", t.assigned_to_me)]
        .into_iter()
        .map(|(value, label)| view! { <option value=value selected=move || current("assignment") == value>{label}</option> })
        .collect_view();
    view! {
        <GetForm action=url::path() attr:class="filters" attr:aria-label=t.filter_tickets>
            {match kind {
                // The inbox's tabs choose the assignment; keep it while filtering by status.
                ListKind::Inbox => Either::Left(view! { <input type="hidden" name="assignment" value=move || current("assignment") /> }),
                _ => Either::Right(view! { <label>{t.assigned_to_filter} <select name="assignment">{assignment_options}</select></label> }),
            }}
            <label>{t.status_filter} <select name="status">{status_options}</select></label>
            <label>{t.priority_filter} <select name="priority">{priority_options}</select></label>
            <label>{texts.sla.filter} <select name="sla">
                <option value="all" selected=move || current("sla") != "breached">{texts.sla.any}</option>
                <option value="breached" selected=move || current("sla") == "breached">{texts.sla.breached}</option>
            </select></label>
            // Offered while categories exist.
            <Suspense>
                {move || Suspend::new(async move {
                    let categories = categories.await.unwrap_or_default();
                    (!categories.is_empty()).then(|| {
                        let options = categories
                            .into_iter()
                            .map(|category| {
                                let value = category.id.to_string();
                                let chosen = value.clone();
                                view! { <option value=value selected=move || current("category") == chosen>{category.name}</option> }
                            })
                            .collect_view();
                        view! {
                            <label>{t.category_filter} <select name="category">
                                <option value="all" selected=move || current("category").is_empty()>{t.any_category}</option>
                                {options}
                            </select></label>
                        }
                    })
                })}
            </Suspense>
            <label class="checkbox">
                <input type="checkbox" name="include_closed" value="true" checked=move || current("include_closed") == "true" />
                {t.include_closed}
            </label>
            <label>{t.sort_filter} <select name="sort">{sort_options}</select></label>
            <button type="submit" class="button subtle apply">{t.apply}</button>
        </GetForm>
    }
}
