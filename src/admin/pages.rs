use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{SetUserActive, SetUserRole, admin_stats, list_users};
use crate::auth::model::{Role, User};
use crate::error::AppError;
use crate::tickets::pages::{ListKind, TicketList};
use crate::ui::{LoadError, Loading, ServerForm, after_each_result, format_time};

/// `/app/admin`: system figures, each linking to the list behind it.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let stats = Resource::new(|| (), |_| admin_stats());
    // When the figures were last loaded, and the time now (browser only; "updated 3 s ago").
    let loaded_at = RwSignal::new(None::<f64>);
    let now = RwSignal::new(None::<f64>);
    // The live counters change as people come and go: refresh every few seconds while shown.
    #[cfg(feature = "hydrate")]
    {
        let tick = move || now.set(Some(js_sys::Date::now()));
        if let Ok(handle) = set_interval_with_handle(move || stats.refetch(), std::time::Duration::from_secs(5)) {
            on_cleanup(move || handle.clear());
        }
        if let Ok(handle) = set_interval_with_handle(tick, std::time::Duration::from_secs(1)) {
            on_cleanup(move || handle.clear());
        }
        Effect::new(move |_| {
            if stats.with(|s| s.as_ref().is_some_and(Result::is_ok)) {
                loaded_at.set(Some(js_sys::Date::now()));
                tick();
            }
        });
    }
    let freshness = move || match (loaded_at.get(), now.get()) {
        (Some(at), Some(now)) => match ((now - at) / 1000.0).round() as i64 {
            ..=1 => "Updated just now".to_owned(),
            seconds => format!("Updated {seconds} s ago"),
        },
        _ => "Refreshed every 5 seconds".to_owned(),
    };
    view! {
        <Title text="Dashboard" />
        <div class="page-head">
            <h1>"Dashboard"</h1>
            <p class="muted freshness" role="status">{freshness}</p>
        </div>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match stats.await {
                    Ok(s) => {
                        let live = |value: Option<i64>| value.map_or_else(|| "—".to_owned(), |v| v.to_string());
                        let online = if s.agents_online.is_empty() { "No agent is online.".to_owned() } else { format!("Online: {}", s.agents_online.join(", ")) };
                        Either::Left(view! {
                            <section aria-label="Tickets">
                                <h2>"Tickets"</h2>
                                <dl class="stats">
                                    <Stat label="Total tickets" value=s.tickets_total.to_string() href="/app/admin/tickets" />
                                    <Stat label="Open" value=s.tickets_open.to_string() href="/app/admin/tickets?status=open" />
                                    <Stat label="Assigned" value=s.tickets_assigned.to_string() href="/app/admin/tickets?status=assigned" />
                                    <Stat label="Resolved" value=s.tickets_resolved.to_string() href="/app/admin/tickets?status=resolved" />
                                    <Stat label="Closed" value=s.tickets_closed.to_string() href="/app/admin/tickets?status=closed" />
                                </dl>
                            </section>
                            <section aria-label="People">
                                <h2>"People"</h2>
                                <dl class="stats">
                                    <Stat label="Users" value=s.users_total.to_string() href="/app/admin/users?role=user" />
                                    <Stat label="Agents" value=s.agents_total.to_string() href="/app/admin/agents" />
                                    <Stat label="Admins" value=s.admins_total.to_string() href="/app/admin/users?role=admin" />
                                </dl>
                            </section>
                            <section aria-label="Live">
                                <h2>"Live now"</h2>
                                <dl class="stats live">
                                    <Stat label="People connected" caption="connected_clients" value=live(s.connected_clients) href="/app/admin/users" />
                                    <Stat label="Agents online" caption="connected_agents" value=live(s.connected_agents) href="/app/admin/agents" />
                                    <Stat label="Conversations open" caption="active_ticket_rooms" value=live(s.active_ticket_rooms) href="/app/admin/tickets" />
                                </dl>
                                <p class="muted" data-testid="agents-online">{online}</p>
                                <p class="muted">"Open live connections across all app nodes."</p>
                            </section>
                        })
                    }
                    Err(error) => Either::Right(view! { <LoadError error retry=move |_| stats.refetch() /> }),
                }
            })}
        </Transition>
    }
}

/// One figure, linking to the list it counts; `caption` names it as the spec does.
#[component]
fn Stat(label: &'static str, value: String, href: &'static str, #[prop(optional)] caption: Option<&'static str>) -> impl IntoView {
    view! {
        <div class="stat" data-stat=caption.unwrap_or(label)>
            <dt>{label} {caption.map(|c| view! { <code class="caption">{c}</code> })}</dt>
            <dd><a href=href>{value}</a></dd>
        </div>
    }
}

/// `/app/admin/tickets`: every ticket, closed ones included.
#[component]
pub fn AdminTicketsPage() -> impl IntoView {
    view! {
        <Title text="All tickets" />
        <div class="page-head"><h1>"All tickets"</h1></div>
        <TicketList kind=ListKind::All />
    }
}

/// `/app/admin/users`: every account.
#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let role_in_query = move || query.read().get("role").and_then(|r| Role::parse(&r));
    view! {
        <Title text="Users" />
        <div class="page-head"><h1>"Users"</h1></div>
        <nav class="tabs" aria-label="Roles">
            {[("", "Everyone"), ("user", "Users"), ("agent", "Agents"), ("admin", "Admins")].into_iter().map(|(value, label)| {
                let href = if value.is_empty() { "/app/admin/users".to_owned() } else { format!("/app/admin/users?role={value}") };
                let current = move || (role_in_query().map_or("", Role::as_str) == value).then_some("page");
                view! { <a class="tab" href=href aria-current=current>{label}</a> }
            }).collect_view()}
        </nav>
        <PeopleTable role=Signal::derive(role_in_query) />
    }
}

/// `/app/admin/agents`: the support team.
#[component]
pub fn AdminAgentsPage() -> impl IntoView {
    view! {
        <Title text="Agents" />
        <div class="page-head"><h1>"Agents"</h1></div>
        <PeopleTable role=Signal::stored(Some(Role::Agent)) />
    }
}

/// People with their role and state, and the admin's controls for each.
#[component]
fn PeopleTable(role: Signal<Option<Role>>) -> impl IntoView {
    let me = expect_context::<User>();
    let cursor = RwSignal::new(None::<String>);
    let query = leptos_router::hooks::use_query_map();
    let search = move || query.read().get("q").filter(|q| !q.trim().is_empty());
    let people = Resource::new(move || (role.get(), search(), cursor.get()), |(role, q, cursor)| {
        list_users(role.map(|r| r.as_str().to_owned()), cursor, None, q)
    });
    let navigate = leptos_router::hooks::use_navigate();
    // Searching as one types (the form is a plain GET without JavaScript).
    let on_search = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        let mut parts: Vec<String> = role.get_untracked().map(|r| format!("role={}", r.as_str())).into_iter().collect();
        if !text.trim().is_empty() {
            parts.push(format!("q={}", encode_query_value(text.trim())));
        }
        cursor.set(None);
        navigate(&format!("?{}", parts.join("&")), leptos_router::NavigateOptions { replace: true, ..Default::default() });
    };
    let set_role = ServerAction::<SetUserRole>::new();
    let set_active = ServerAction::<SetUserActive>::new();
    let outcome = RwSignal::new(None::<AppError>);
    after_each_result(set_role.value(), outcome, move || people.refetch());
    after_each_result(set_active.value(), outcome, move || people.refetch());
    // What the last change did, in words.
    let done = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(Ok(person)) = set_role.value().get() {
            done.set(Some(format!("{} is now {}.", person.display_name, person.role.as_str())));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(person)) = set_active.value().get() {
            let what = if person.is_active { "can sign in again" } else { "was deactivated and signed out everywhere" };
            done.set(Some(format!("{} {what}.", person.display_name)));
        }
    });
    Effect::new(move |_| {
        if outcome.get().is_some() {
            done.set(None);
        }
    });

    view! {
        {move || outcome.get().map(|error| view! { <p class="form-error" role="alert">{error.message}</p> })}
        <form method="get" class="filters" role="search" on:submit=|ev| ev.prevent_default()>
            {move || role.get().map(|r| view! { <input type="hidden" name="role" value=r.as_str() /> })}
            <label>"Search " <input type="search" name="q" placeholder="Name or email" maxlength="100"
                value=move || search().unwrap_or_default() on:input=on_search /></label>
        </form>
        {move || done.get().map(|message| view! { <p class="notice success" role="status">{message}</p> })}
        <Transition fallback=Loading>
            {move || {
                let me = me.clone();
                Suspend::new(async move {
                match people.await {
                    Ok(page) if page.items.is_empty() => Either::Left(view! {
                        <div class="empty-state"><p>{if search().is_some() { "Nobody matches this search." } else { "Nobody here yet." }}</p></div>
                    }.into_any()),
                    Ok(page) => {
                        let rows = page.items.into_iter().map(|person| {
                            let is_me = person.id == me.id;
                            view! { <PersonRow person is_me set_role set_active /> }
                        }).collect_view();
                        let next = page.next_cursor;
                        Either::Left(view! {
                            <table class="people">
                                <thead>
                                    <tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Email"</th>
                                        <th scope="col">"Role"</th>
                                        <th scope="col">"State"</th>
                                        <th scope="col">"Joined"</th>
                                        <th scope="col">"Actions"</th>
                                    </tr>
                                </thead>
                                <tbody>{rows}</tbody>
                            </table>
                            <nav class="pager" aria-label="Pages">
                                <Show when=move || cursor.get().is_some()>
                                    <button type="button" class="button subtle" on:click=move |_| cursor.set(None)>"← First page"</button>
                                </Show>
                                {next.map(|next| view! {
                                    <button type="button" class="button subtle" on:click=move |_| cursor.set(Some(next.clone()))>"Next page →"</button>
                                })}
                            </nav>
                        }.into_any())
                    }
                    Err(error) => Either::Right(view! { <LoadError error retry=move |_| people.refetch() /> }),
                }
            })}}
        </Transition>
    }
}

#[component]
fn PersonRow(person: User, is_me: bool, set_role: ServerAction<SetUserRole>, set_active: ServerAction<SetUserActive>) -> impl IntoView {
    let id = person.id.to_string();
    let role_options = Role::ALL
        .into_iter()
        .map(|role| view! { <option value=role.as_str() selected=role == person.role>{role.as_str()}</option> })
        .collect_view();
    let (toggle_value, toggle_label) = if person.is_active { ("false", "Deactivate") } else { ("true", "Reactivate") };
    view! {
        <tr data-user-id=person.id>
            <td>{person.display_name.clone()}{is_me.then_some(" (you)")}</td>
            <td>{person.email.clone()}</td>
            <td><span class="role-badge">{person.role.as_str()}</span></td>
            <td><span class="state" class:state-off=!person.is_active>{if person.is_active { "active" } else { "deactivated" }}</span></td>
            <td class="time">{format_time(person.created_at)}</td>
            <td>
                <div class="row-actions">{(!is_me).then(|| {
                    let field_id = format!("role-{id}");
                    let field_label = format!("Role of {}", person.display_name);
                    let (role_user_id, active_user_id) = (id.clone(), id.clone());
                    view! {
                        <ServerForm action=set_role attr:class="inline-form">
                            <input type="hidden" name="user_id" value=role_user_id />
                            <label class="visually-hidden" for=field_id.clone()>{field_label}</label>
                            <select name="role" id=field_id>{role_options}</select>
                            <button type="submit" class="button subtle">"Change role"</button>
                        </ServerForm>
                        <details class="confirm">
                            <summary class="button subtle">{toggle_label}</summary>
                            <div class="confirm-box" role="group" aria-label=format!("Confirm: {toggle_label}")>
                                <p>{if person.is_active {
                                    format!("Deactivate {}? This signs {} out everywhere at once; they cannot sign in until reactivated.", person.display_name, person.display_name)
                                } else {
                                    format!("Reactivate {}? They can sign in again.", person.display_name)
                                }}</p>
                                <ServerForm action=set_active attr:class="inline-form">
                                    <input type="hidden" name="user_id" value=active_user_id />
                                    <input type="hidden" name="active" value=toggle_value />
                                    <button type="submit" class="button" class:danger=person.is_active>{format!("Yes, {}", toggle_label.to_lowercase())}</button>
                                </ServerForm>
                            </div>
                        </details>
                    }
                })}</div>
            </td>
        </tr>
    }
}

/// A query-string value: letters, digits and `-_.~` as they are, everything else percent-encoded.
fn encode_query_value(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}
