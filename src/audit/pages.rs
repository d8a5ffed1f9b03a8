//! `/app/admin/audit`: the audit log for admins, newest first, filtered by kind and by who or
//! what. Filters and the page live in the URL; without JavaScript the form's Apply submits them.

use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;

use super::api::audit_log;
use super::model::{AuditAction, AuditEntry, FieldChange, SubjectKind};
use crate::ui::{GetForm, LoadError, Loading, PageTitle, Time, encode_query_value, url};

const FILTER_KEYS: [&str; 2] = ["action", "q"];

/// The audit log, filtered and paged by the address.
#[component]
pub fn AuditPage() -> impl IntoView {
    let t = &crate::i18n::t().audit;
    let query = url::query();
    let entries = Resource::new(
        move || {
            let query = query.read();
            (query.get("action"), query.get("q"), query.get("cursor"))
        },
        |(action, q, cursor)| audit_log(action, q, cursor, None),
    );
    let filtered = move || FILTER_KEYS.iter().any(|key| query.read().get(key).is_some_and(|v| !v.is_empty() && v != "all"));
    view! {
        <PageTitle text=t.title />
        <div class="page-head"><h1>{t.title}</h1></div>
        <p class="muted">{t.intro}</p>
        <AuditFilters />
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match entries.await {
                    Ok(page) if page.items.is_empty() => EitherOf3::A(view! {
                        <div class="empty-state"><p>{if filtered() { t.no_match } else { t.empty }}</p></div>
                    }),
                    Ok(page) => EitherOf3::B(view! {
                        <table class="people audit" aria-label=t.title>
                            <thead>
                                <tr>
                                    <th scope="col">{t.when}</th>
                                    <th scope="col">{t.who}</th>
                                    <th scope="col">{t.what}</th>
                                    <th scope="col">{t.subject}</th>
                                    <th scope="col">{t.change}</th>
                                </tr>
                            </thead>
                            <tbody>{page.items.into_iter().map(|entry| view! { <AuditRow entry /> }).collect_view()}</tbody>
                        </table>
                        <AuditPager next=page.next_cursor />
                    }),
                    Err(error) => EitherOf3::C(view! { <LoadError error retry=move |_| entries.refetch() /> }),
                }
            })}
        </Transition>
    }
}

/// The URL of this page with the current filters and `cursor`.
fn page_href(query: &leptos_router::params::ParamsMap, cursor: Option<&str>) -> String {
    let mut parts: Vec<String> = FILTER_KEYS
        .iter()
        .filter_map(|key| query.get(key).filter(|v| !v.is_empty()).map(|v| format!("{key}={}", encode_query_value(&v))))
        .collect();
    parts.extend(cursor.map(|c| format!("cursor={c}")));
    format!("/app/admin/audit?{}", parts.join("&"))
}

/// The kind applies at once (`ApplyOnChange` around the form); the search on Enter, both from
/// page one.
#[component]
fn AuditFilters() -> impl IntoView {
    let t = &crate::i18n::t().audit;
    let query = url::query();
    let current = move |key: &str| query.read().get(key).unwrap_or_default();
    let options = std::iter::once(("all", t.any_kind))
        .chain(AuditAction::ALL.iter().map(|a| (a.as_str(), t.action(*a))))
        .map(|(value, label)| view! { <option value=value selected=current("action") == value>{label}</option> })
        .collect_view();
    view! {
        <crate::ui::apply::ApplyOnChange>
            <GetForm action="/app/admin/audit" attr:class="filters" attr:role="search" attr:aria-label=t.filter>
                <label>{t.kind} <select name="action">{options}</select></label>
                <label>{t.search} <input type="search" name="q" placeholder=t.search_hint maxlength="100" value=current("q") /></label>
                <button type="submit" class="button subtle">{t.apply}</button>
            </GetForm>
        </crate::ui::apply::ApplyOnChange>
    }
}

#[component]
fn AuditRow(entry: AuditEntry) -> impl IntoView {
    let texts = crate::i18n::t();
    let t = &texts.audit;
    let who = if entry.actor_id.is_some() { Either::Left(entry.actor_name) } else { Either::Right(view! { <em class="muted">{t.nobody}</em> }) };
    let link = match (entry.action.subject_kind(), entry.subject_id) {
        (SubjectKind::Ticket, Some(id)) => Some(format!("/app/inbox/{id}")),
        (SubjectKind::Person, Some(_)) => Some(format!("/app/admin/users?q={}", encode_query_value(person_email(&entry.subject)))),
        (SubjectKind::Category, Some(_)) => Some("/app/admin/categories".to_owned()),
        (SubjectKind::Setting, _) => Some("/app/admin/sla".to_owned()),
        _ => None,
    };
    let subject = match link {
        Some(href) => Either::Left(view! { <a href=href>{entry.subject}</a> }),
        None => Either::Right(entry.subject),
    };
    let changes = entry.changes.into_iter().map(|change| view! { <li>{describe(&change)}</li> }).collect_view();
    view! {
        <tr data-action=entry.action.as_str()>
            <td><Time at=entry.at /></td>
            <td>{who}</td>
            <td>{t.action(entry.action)}</td>
            <td class="audit-subject">{subject}</td>
            <td><ul class="audit-changes">{changes}</ul></td>
        </tr>
    }
}

/// The email of a person's subject line, "Name <email>".
fn person_email(subject: &str) -> &str {
    subject.rsplit_once('<').map_or(subject, |(_, rest)| rest.trim_end_matches('>'))
}

/// "status: open → assigned", with names and values in the page's language where they are known.
fn describe(change: &FieldChange) -> String {
    let texts = crate::i18n::t();
    let t = &texts.audit;
    let value = |value: &Option<String>| -> String {
        let Some(value) = value.as_deref() else { return t.none.to_owned() };
        let known = match change.field.as_str() {
            "status" => crate::domain::ticket::TicketStatus::parse(value).map(|s| texts.common.status(s)),
            "role" => crate::domain::account::Role::parse(value).map(|r| texts.common.role(r)),
            "priority" => crate::domain::ticket::Priority::parse(value).map(|p| texts.tickets.priority_name(p)),
            "state" => match value {
                "active" => Some(t.value_active),
                "inactive" => Some(t.value_inactive),
                _ => None,
            },
            _ => None,
        };
        known.map_or_else(|| value.to_owned(), str::to_owned)
    };
    match &change.before {
        None if change.after.is_some() && !matches!(change.field.as_str(), "agent" | "responsible_agent" | "default_agent") => {
            format!("{}: {}", t.field(&change.field), value(&change.after))
        }
        _ => format!("{}: {} → {}", t.field(&change.field), value(&change.before), value(&change.after)),
    }
}

#[component]
fn AuditPager(next: Option<String>) -> impl IntoView {
    let query = url::query();
    let common = &crate::i18n::t().common;
    let on_later_page = move || query.read().get("cursor").is_some_and(|c| !c.is_empty());
    view! {
        <nav class="pager" aria-label=common.pager>
            <Show when=on_later_page>
                <a href=move || page_href(&query.read(), None)>{common.first_page}</a>
            </Show>
            {next.map(|cursor| view! { <a href=move || page_href(&query.read(), Some(&cursor)) rel="next">{common.next_page}</a> })}
        </nav>
    }
}
