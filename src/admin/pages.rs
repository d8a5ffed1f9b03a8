//! The admin's screens: the dashboard, every ticket, the users and the agents.

use leptos::either::Either;
use leptos::prelude::*;

use super::api::{SetResponsibleAgent, SetUserActive, SetUserRole, admin_stats, list_users};
use super::model::{Account, SystemStats, notices};
use crate::domain::account::{Role, User};
use crate::error::AppError;
use crate::i18n::{error_message, lang, t};
use crate::tickets::pages::{ListKind, TicketList};
use crate::ui::flash::Outcome;
use crate::ui::{GetForm, LoadError, Loading, PageTitle, ServerForm, encode_query_value, format_time, url};

/// `/app/admin`: system figures, each linking to the list behind it, and the team. The browser
/// loads the figures again every few seconds ([`LiveDashboard`]) and keeps the team live.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let t = &t().admin;
    let stats = Resource::new(|| (), |_| admin_stats());
    view! {
        <PageTitle text=t.dashboard />
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match stats.await {
                    Ok(stats) => Either::Left(view! {
                        <LiveDashboard stats>
                            <crate::presence::view::TeamPresence />
                        </LiveDashboard>
                    }),
                    Err(error) => Either::Right(view! {
                        <h1>{t.dashboard}</h1>
                        <LoadError error retry=move |_| stats.refetch() />
                    }),
                }
            })}
        </Suspense>
    }
}

/// How often the browser loads the figures again: the live counters change as people come and go.
#[cfg(feature = "hydrate")]
const RELOAD_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// The dashboard as the browser keeps it: the figures loaded again every few seconds, and how
/// fresh they are ("Updated 3 s ago"). `children`: the team panel.
#[component]
fn LiveDashboard(stats: SystemStats, children: Children) -> impl IntoView {
    let t = &t().admin;
    let stats = RwSignal::new(stats);
    // When the figures were last loaded, and the time now (browser only).
    let loaded_at = RwSignal::new(None::<f64>);
    let now = RwSignal::new(None::<f64>);
    #[cfg(feature = "hydrate")]
    {
        // Loads answer after their await: the page may be gone by then.
        let tick = move || {
            now.try_set(Some(js_sys::Date::now()));
        };
        Effect::new(move |_| {
            loaded_at.set(Some(js_sys::Date::now()));
            tick();
        });
        let reload = move || {
            leptos::task::spawn_local(async move {
                if let Ok(fresh) = admin_stats().await
                    && stats.try_set(fresh).is_none()
                {
                    loaded_at.try_set(Some(js_sys::Date::now()));
                    tick();
                }
            })
        };
        if let Ok(handle) = set_interval_with_handle(reload, RELOAD_EVERY) {
            on_cleanup(move || handle.clear());
        }
        if let Ok(handle) = set_interval_with_handle(tick, std::time::Duration::from_secs(1)) {
            on_cleanup(move || handle.clear());
        }
    }
    let freshness = move || match (loaded_at.get(), now.get()) {
        (Some(at), Some(now)) => match ((now - at) / 1000.0).round() as i64 {
            ..=1 => t.updated_just_now.to_owned(),
            seconds => (t.updated_seconds_ago)(seconds),
        },
        _ => t.refreshed_every_5_seconds.to_owned(),
    };
    let lang = lang();
    // Each figure follows the loads in place (a focused link keeps its focus).
    let number = move |figure: fn(&SystemStats) -> i64| Signal::derive(move || lang.number(stats.with(figure)));
    let live = move |figure: fn(&SystemStats) -> Option<i64>| {
        Signal::derive(move || stats.with(figure).map_or_else(|| "—".to_owned(), |v| lang.number(v)))
    };
    // `name`: what tests and scripts find a figure by, the same in every language.
    view! {
        <div class="page-head">
            <h1>{t.dashboard}</h1>
            <p class="muted freshness" role="status">{freshness}</p>
        </div>
        {children()}
        <section aria-label=t.tickets>
            <h2>{t.tickets}</h2>
            <dl class="stats">
                <Stat name="Total tickets" label=t.total_tickets value=number(|s| s.tickets_total) href="/app/admin/tickets" />
                <Stat name="Open" label=t.open value=number(|s| s.tickets_open) href="/app/admin/tickets?status=open" />
                <Stat name="Assigned" label=t.assigned value=number(|s| s.tickets_assigned) href="/app/admin/tickets?status=assigned" />
                <Stat name="Resolved" label=t.resolved value=number(|s| s.tickets_resolved) href="/app/admin/tickets?status=resolved" />
                <Stat name="Closed" label=t.closed value=number(|s| s.tickets_closed) href="/app/admin/tickets?status=closed" />
            </dl>
        </section>
        <section aria-label=t.people>
            <h2>{t.people}</h2>
            <dl class="stats">
                <Stat name="Users" label=t.users value=number(|s| s.users_total) href="/app/admin/users?role=user" />
                <Stat name="Agents" label=t.agents value=number(|s| s.agents_total) href="/app/admin/agents" />
                <Stat name="Admins" label=t.admins value=number(|s| s.admins_total) href="/app/admin/users?role=admin" />
            </dl>
        </section>
        <section aria-label=t.live>
            <h2>{t.live_now}</h2>
            <dl class="stats live">
                <Stat name="connected_clients" captioned=true label=t.people_connected value=live(|s| s.connected_clients) href="/app/admin/users" />
                <Stat name="connected_agents" captioned=true label=t.agents_online value=live(|s| s.connected_agents) href="/app/admin/agents" />
                <Stat name="active_ticket_rooms" captioned=true label=t.conversations_open value=live(|s| s.active_ticket_rooms) href="/app/admin/tickets" />
            </dl>
            <p class="muted">{t.live_connections_note}</p>
        </section>
        {move || stats.with(|s| view! { <Satisfaction stats=s.clone() /> })}
    }
}

/// The ratings of the last 30 days: the average and how many of each score.
#[component]
fn Satisfaction(stats: SystemStats) -> impl IntoView {
    let texts = t();
    let (t, tickets) = (&texts.admin, &texts.tickets);
    let lang = lang();
    let total: i64 = stats.ratings_30_days.iter().sum();
    let summary = match stats.average_rating_tenths() {
        Some(tenths) => {
            let point = if lang == crate::i18n::Lang::Es { ',' } else { '.' };
            let average = format!("{}{point}{}", tenths / 10, tenths % 10);
            (t.average_rating)(&average, total)
        }
        None => t.no_ratings.to_owned(),
    };
    let bars = (1..=5i16)
        .rev()
        .map(|score| {
            let count = stats.ratings_30_days[(score - 1) as usize];
            view! {
                <li>
                    <span class="score" title=(tickets.score_of)(score)>{format!("{score}★")}</span>
                    <meter min="0" max=total.max(1) value=count aria-label=(tickets.score_of)(score)></meter>
                    <span class="count">{lang.number(count)}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <section aria-label=t.satisfaction>
            <h2>{t.satisfaction}</h2>
            <p data-testid="rating-average">{summary}</p>
            {(total > 0).then(|| view! { <ol class="rating-bars">{bars}</ol> })}
        </section>
    }
}

/// One figure, linking to the list it counts. `name` is its machine name (`data-stat`), shown as
/// a caption when `captioned` (the spec's counter names).
#[component]
fn Stat(
    name: &'static str,
    label: &'static str,
    value: Signal<String>,
    href: &'static str,
    #[prop(optional)] captioned: bool,
) -> impl IntoView {
    view! {
        <div class="stat" data-stat=name>
            <dt>{label} {captioned.then(|| view! { <code class="caption">{name}</code> })}</dt>
            <dd><a href=href>{value}</a></dd>
        </div>
    }
}

/// `/app/admin/tickets`: every ticket, closed ones included.
#[component]
pub fn AdminTicketsPage() -> impl IntoView {
    let t = &t().admin;
    view! {
        <PageTitle text=t.all_tickets />
        <div class="page-head"><h1>{t.all_tickets}</h1></div>
        <TicketList kind=ListKind::All />
    }
}

/// `/app/admin/users`: every account.
#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let t = &t().admin;
    let query = url::query();
    let role_in_query = move || query.read().get("role").and_then(|r| Role::parse(&r));
    view! {
        <PageTitle text=t.users />
        <div class="page-head"><h1>{t.users}</h1></div>
        <nav class="tabs" aria-label=t.roles>
            {[("", t.everyone), ("user", t.users), ("agent", t.agents), ("admin", t.admins)].into_iter().map(|(value, label)| {
                let href = if value.is_empty() { "/app/admin/users".to_owned() } else { format!("/app/admin/users?role={value}") };
                let current = move || (role_in_query().map_or("", Role::as_str) == value).then_some("page");
                view! { <a class="tab" href=href aria-current=current>{label}</a> }
            }).collect_view()}
        </nav>
        // A tab, a search or another page of people is a new table.
        {move || {
            query.track();
            view! { <PeopleTable role=role_in_query() /> }
        }}
    }
}

/// `/app/admin/agents`: the support team.
#[component]
pub fn AdminAgentsPage() -> impl IntoView {
    let t = &t().admin;
    let query = url::query();
    view! {
        <PageTitle text=t.agents />
        <div class="page-head"><h1>{t.agents}</h1></div>
        {move || {
            query.track();
            view! { <PeopleTable role=Some(Role::Agent) /> }
        }}
    }
}

/// People with their role and state, and the admin's controls for each: the search is a GET form,
/// the pages are links, each change a form whose answer says what it did or why it was refused
/// (`ui::flash::Outcome`), after which the people load again.
#[component]
fn PeopleTable(role: Option<Role>) -> impl IntoView {
    let texts = t();
    let (t, common) = (&texts.admin, &texts.common);
    let me = expect_context::<User>();
    let query = url::query().get_untracked();
    let search = query.get("q").filter(|q| !q.trim().is_empty());
    let cursor = query.get("cursor").filter(|c| !c.is_empty());
    // Who can be someone's responsible agent: the active agents.
    let agents = Resource::new(|| (), |_| async {
        let page = list_users(Some(Role::Agent.as_str().to_owned()), None, Some(100), None).await?;
        Ok::<_, AppError>(page.items.into_iter().filter(|a| a.user.is_active).map(|a| (a.user.id, a.user.display_name)).collect::<Vec<_>>())
    });
    let set_role = ServerAction::<SetUserRole>::new();
    let set_active = ServerAction::<SetUserActive>::new();
    let set_responsible = ServerAction::<SetResponsibleAgent>::new();
    // What the last change did, in words, or why it was refused; each success loads the people again.
    let outcome = Outcome::new()
        .follow(set_role, |person| Some(notices::role_changed(crate::i18n::t(), person)))
        .follow(set_active, |person| Some(notices::active_changed(crate::i18n::t(), person)))
        .follow(set_responsible, |account| Some(notices::responsible_changed(crate::i18n::t(), account)));
    let people = {
        let (search, cursor) = (search.clone(), cursor.clone());
        Resource::new(move || outcome.saved.get(), move |_| list_users(role.map(|r| r.as_str().to_owned()), cursor.clone(), None, search.clone()))
    };
    let searching = search.is_some();
    // This list's address with another page.
    let here = move |cursor: Option<&str>| {
        let mut parts: Vec<String> = role.map(|r| format!("role={}", r.as_str())).into_iter().collect();
        parts.extend(search.as_deref().map(|q| format!("q={}", encode_query_value(q.trim()))));
        parts.extend(cursor.map(|c| format!("cursor={}", encode_query_value(c))));
        format!("{}?{}", url::path(), parts.join("&"))
    };
    let searched = query.get("q").unwrap_or_default();
    let on_later_page = cursor.is_some();

    view! {
        {move || outcome.error.get().map(|error| view! { <p class="form-error" role="alert">{error_message(&error)}</p> })}
        <GetForm action=url::path() attr:class="filters" attr:role="search">
            {role.map(|r| view! { <input type="hidden" name="role" value=r.as_str() /> })}
            <label>{t.search} <input type="search" name="q" placeholder=t.name_or_email maxlength="100" value=searched /></label>
            <button type="submit" class="button subtle">{t.search}</button>
        </GetForm>
        {move || outcome.notice.get().map(|message| view! { <p class="notice success" role="status">{message}</p> })}
        <Transition fallback=Loading>
            {move || {
                let me = me.clone();
                let here = here.clone();
                Suspend::new(async move {
                let agents = agents.await.unwrap_or_default();
                match people.await {
                    Ok(page) if page.items.is_empty() => Either::Left(view! {
                        <div class="empty-state"><p>{if searching { t.nobody_matches } else { t.nobody_yet }}</p></div>
                    }.into_any()),
                    Ok(page) => {
                        let rows = page.items.into_iter().map(|account| {
                            let is_me = account.user.id == me.id;
                            let agents = agents.clone();
                            view! { <PersonRow account agents is_me set_role set_active set_responsible /> }
                        }).collect_view();
                        let next = page.next_cursor;
                        Either::Left(view! {
                            <table class="people">
                                <thead>
                                    <tr>
                                        <th scope="col">{t.name}</th>
                                        <th scope="col">{t.email}</th>
                                        <th scope="col">{t.role}</th>
                                        <th scope="col">{t.state}</th>
                                        <th scope="col">{t.joined}</th>
                                        <th scope="col">{t.actions}</th>
                                    </tr>
                                </thead>
                                <tbody>{rows}</tbody>
                            </table>
                            <nav class="pager" aria-label=common.pager>
                                {on_later_page.then(|| view! { <a class="button subtle" href=here(None)>{common.first_page}</a> })}
                                {next.map(|next| view! { <a class="button subtle" href=here(Some(&next))>{common.next_page}</a> })}
                            </nav>
                        }.into_any())
                    }
                    Err(error) => Either::Right(view! { <LoadError error retry=move |_| people.refetch() /> }),
                }
            })}}
        </Transition>
    }
}

/// One person's row; `agents` (id, name) are whom their tickets can go to.
#[component]
fn PersonRow(
    account: Account,
    agents: Vec<(i64, String)>,
    is_me: bool,
    set_role: ServerAction<SetUserRole>,
    set_active: ServerAction<SetUserActive>,
    set_responsible: ServerAction<SetResponsibleAgent>,
) -> impl IntoView {
    let texts = t();
    let t = &texts.admin;
    let Account { user: person, responsible_agent_id, responsible_agent_name, presence } = account;
    let id = person.id.to_string();
    let role_options = Role::ALL
        .into_iter()
        .map(|role| view! { <option value=role.as_str() selected=role == person.role>{texts.common.role(role)}</option> })
        .collect_view();
    let (toggle_value, toggle_label, confirm_label) =
        if person.is_active { ("false", t.deactivate, t.yes_deactivate) } else { ("true", t.reactivate, t.yes_reactivate) };
    let confirm_group_label = (t.confirm)(toggle_label);
    view! {
        <tr data-user-id=person.id>
            <td>
                <crate::presence::view::PresenceDot user_id=person.id loaded=Some(presence) />
                {person.display_name.clone()}{is_me.then_some(t.you_suffix)}
                {responsible_agent_name.map(|agent| view! { <span class="hint responsible">{(t.tickets_go_to)(&agent)}</span> })}
            </td>
            <td>{person.email.clone()}</td>
            <td><span class="role-badge">{texts.common.role(person.role)}</span></td>
            <td><span class="state" class:state-off=!person.is_active>{if person.is_active { t.active } else { t.deactivated }}</span></td>
            <td class="time">{format_time(person.created_at)}</td>
            <td>
                {(!is_me).then(|| {
                    let field_id = format!("role-{id}");
                    let field_label = (t.role_of)(&person.display_name);
                    let menu_label = (t.actions_for)(&person.display_name);
                    let (role_user_id, active_user_id, responsible_user_id) = (id.clone(), id.clone(), id.clone());
                    let responsible_field = format!("responsible-{id}");
                    let responsible_label = (t.responsible_agent_of)(&person.display_name);
                    let agent_options = agents
                        .into_iter()
                        .filter(|(agent_id, _)| *agent_id != person.id)
                        .map(|(agent_id, name)| view! { <option value=agent_id selected=responsible_agent_id == Some(agent_id)>{name}</option> })
                        .collect_view();
                    view! {
                        // The row's menu: its changes are one click away but out of the way while reading.
                        <details class="row-menu">
                        <summary class="button subtle" aria-label=menu_label.clone()>{t.actions}" ▾"</summary>
                        <div class="row-menu-panel" role="group" aria-label=menu_label>
                        <ServerForm action=set_role attr:class="inline-form">
                            <input type="hidden" name="user_id" value=role_user_id />
                            <label class="visually-hidden" for=field_id.clone()>{field_label}</label>
                            <select name="role" id=field_id>{role_options}</select>
                            <button type="submit" class="button subtle">{t.change_role}</button>
                        </ServerForm>
                        <ServerForm action=set_responsible attr:class="inline-form">
                            <input type="hidden" name="user_id" value=responsible_user_id />
                            <label class="visually-hidden" for=responsible_field.clone()>{responsible_label}</label>
                            <select name="agent_id" id=responsible_field>
                                <option value="" selected=responsible_agent_id.is_none()>{t.no_responsible_agent}</option>
                                {agent_options}
                            </select>
                            <button type="submit" class="button subtle">{t.set_responsible_agent}</button>
                        </ServerForm>
                        <details class="confirm">
                            <summary class="button subtle">{toggle_label}</summary>
                            <div class="confirm-box" role="group" aria-label=confirm_group_label>
                                <p>{if person.is_active {
                                    (t.confirm_deactivate)(&person.display_name)
                                } else {
                                    (t.confirm_reactivate)(&person.display_name)
                                }}</p>
                                <ServerForm action=set_active attr:class="inline-form">
                                    <input type="hidden" name="user_id" value=active_user_id />
                                    <input type="hidden" name="active" value=toggle_value />
                                    <button type="submit" class="button" class:danger=person.is_active>{confirm_label}</button>
                                </ServerForm>
                            </div>
                        </details>
                        </div>
                        </details>
                    }
                })}
            </td>
        </tr>
    }
}
