//! `/app/search?q=`: results for everyone signed in, within what they may see. The header's
//! search box is a plain GET form to this page, so it works without JavaScript too.

use leptos::either::{Either, EitherOf4};
use leptos::prelude::*;

use super::api::search;
use super::model::{HitKind, SearchHit, SnippetPart};
use crate::domain::account::User;
use crate::ui::{GetForm, LoadError, PageTitle, StatusBadge, Time, encode_query_value, url};

/// The box in the app's header.
#[component]
pub fn SearchBox() -> impl IntoView {
    let t = &crate::i18n::t().search;
    let query = url::query();
    view! {
        <GetForm action="/app/search" attr:role="search" attr:class="search-box">
            <input type="search" name="q" aria-label=t.label placeholder=t.placeholder maxlength="200" required
                value=move || query.read().get("q").unwrap_or_default() />
        </GetForm>
    }
}

/// The results of the address's search: links to the tickets, paged by the address.
#[component]
pub fn SearchPage() -> impl IntoView {
    let t = &crate::i18n::t().search;
    let query = url::query();
    let text = move || query.read().get("q").map(|q| q.trim().to_owned()).filter(|q| !q.is_empty());
    let hits = Resource::new(
        move || (text(), query.read().get("cursor")),
        |(text, cursor)| async move {
            match text {
                Some(text) => search(text, cursor, None).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let staff = expect_context::<User>().role.is_staff();
    view! {
        <PageTitle text=text().map_or_else(|| t.title.to_owned(), |q| format!("{q} · {}", t.title)) />
        <div class="page-head"><h1>{t.title}</h1></div>
        <GetForm action="/app/search" attr:role="search" attr:class="filters search-form">
            <label class="grow">{t.label} <input type="search" name="q" maxlength="200" required value=move || text().unwrap_or_default() /></label>
            <button type="submit" class="button primary">{t.submit}</button>
        </GetForm>
        <p class="muted hint">{t.hint}</p>
        <Transition fallback=move || view! { <div class="queue skeleton" aria-busy="true" aria-label=t.loading><span class="bone row"></span><span class="bone row"></span></div> }>
            {move || Suspend::new(async move {
                match hits.await {
                    Ok(None) => EitherOf4::A(()),
                    Ok(Some(page)) if page.items.is_empty() => EitherOf4::B(view! {
                        <div class="empty-state"><p>{t.no_results}</p><p class="muted">{t.no_results_detail}</p></div>
                    }),
                    Ok(Some(page)) => EitherOf4::C(view! {
                        <ul class="queue search-results" aria-label=t.title>
                            {page.items.into_iter().map(|hit| view! { <HitRow hit staff /> }).collect_view()}
                        </ul>
                        <SearchPager next=page.next_cursor />
                    }),
                    Err(error) => EitherOf4::D(view! { <LoadError error retry=move |_| hits.refetch() /> }),
                }
            })}
        </Transition>
    }
}

#[component]
fn HitRow(hit: SearchHit, staff: bool) -> impl IntoView {
    let t = &crate::i18n::t().search;
    let href = if staff { format!("/app/inbox/{}", hit.ticket_id) } else { format!("/app/tickets/{}", hit.ticket_id) };
    let place = match (hit.kind, hit.sender_name) {
        (HitKind::Message, Some(name)) => (t.message_by)(&name),
        (HitKind::Note, Some(name)) => (t.note_by)(&name),
        _ => t.in_ticket.to_owned(),
    };
    let snippet = hit
        .snippet
        .into_iter()
        .map(|SnippetPart { text, mark }| if mark { Either::Left(view! { <mark>{text}</mark> }) } else { Either::Right(text) })
        .collect_view();
    view! {
        <li class="queue-row search-hit" data-ticket-id=hit.ticket_id data-kind=match hit.kind {
            HitKind::Ticket => "ticket",
            HitKind::Message => "message",
            HitKind::Note => "note",
        }>
            <span class="marker"></span>
            <div class="row-main">
                <a class="row-link" href=href>{hit.ticket_title}</a>
                <p class="preview snippet">{snippet}</p>
            </div>
            <div class="row-facts">
                <span class="num">{format!("#{}", hit.ticket_id)}</span>
                <StatusBadge status=hit.ticket_status />
                <span class="who">{place}</span>
            </div>
            <div class="row-time"><Time at=hit.at /></div>
        </li>
    }
}

#[component]
fn SearchPager(next: Option<String>) -> impl IntoView {
    let t = &crate::i18n::t().search;
    let query = url::query();
    let href = move |cursor: Option<&str>| {
        let q = encode_query_value(&query.read().get("q").unwrap_or_default());
        match cursor {
            Some(cursor) => format!("/app/search?q={q}&cursor={cursor}"),
            None => format!("/app/search?q={q}"),
        }
    };
    let on_later_page = move || query.read().get("cursor").is_some_and(|c| !c.is_empty());
    view! {
        <nav class="pager" aria-label=crate::i18n::t().common.pager>
            <Show when=on_later_page>
                <a href=move || href(None)>{t.first}</a>
            </Show>
            {next.map(|cursor| view! { <a href=move || href(Some(&cursor)) rel="next">{t.more}</a> })}
        </nav>
    }
}
