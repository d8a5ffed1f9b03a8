//! Presence on screen: a person's dot, a customer's line about their agent, and the team panel
//! (the inbox and the admin dashboard) with the viewer's own "appear away" switch.

use leptos::either::Either;
use leptos::prelude::*;

use super::api::SetAway;
use super::model::{StaffPresence, StaffStatus};
use crate::auth::model::User;
use crate::chat::store::ChatClient;
use crate::error::AppError;
use crate::ui::{LoadError, ServerForm, Time};

fn label(status: StaffStatus) -> &'static str {
    let t = &crate::i18n::t().presence;
    match status {
        StaffStatus::Online => t.online,
        StaffStatus::Away => t.away,
        StaffStatus::Offline => t.offline,
    }
}

/// A person's status: as the live client last heard it, else as it was loaded.
fn live_status(user_id: i64, loaded: Option<StaffStatus>) -> impl Fn() -> Option<StaffStatus> + Copy + Send + Sync + 'static {
    let chat = use_context::<ChatClient>();
    move || chat.and_then(|chat| chat.presence_of(user_id)).map(|p| p.status).or(loaded)
}

/// A coloured dot with the status in words for screen readers and on hover. Outside an island,
/// [`paint_live`] keeps it current.
#[component]
pub fn PresenceDot(user_id: i64, loaded: Option<StaffStatus>) -> impl IntoView {
    let status = live_status(user_id, loaded);
    move || {
        status().map(|status| {
            view! {
                <span class="presence-dot" data-status=status.as_str() title=label(status) data-testid="presence-dot" data-presence-of=user_id>
                    <span class="visually-hidden">{label(status)}</span>
                </span>
            }
        })
    }
}

/// What a customer reads about the agent of their ticket: online, away (answers may take longer)
/// or offline (the answer will show here). Outside an island, [`paint_live`] keeps it current.
#[component]
pub fn AgentPresence(agent_id: i64, name: String, loaded: Option<StaffStatus>) -> impl IntoView {
    let status = live_status(agent_id, loaded);
    move || {
        status().map(|status| {
            view! {
                <p class="agent-presence" data-status=status.as_str() data-testid="agent-presence" role="status"
                    data-presence-of=agent_id data-name=name.clone()>
                    <span class="presence-dot" data-status=status.as_str()></span>
                    <span class="presence-line">{agent_line(status, &name)}</span>
                </p>
            }
        })
    }
}

fn agent_line(status: StaffStatus, name: &str) -> String {
    let t = &crate::i18n::t().presence;
    match status {
        StaffStatus::Online => (t.agent_online)(name),
        StaffStatus::Away => (t.agent_away)(name),
        StaffStatus::Offline => (t.agent_offline)(name),
    }
}

/// Brings the server-rendered dots and agent lines (`data-presence-of`) up to the presence the
/// live client hears; again whenever `rendered` says new HTML came in.
#[cfg(feature = "hydrate")]
pub fn paint_live(chat: ChatClient, rendered: impl Fn() + 'static) {
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::Element;
    Effect::new(move |_| {
        rendered();
        let Ok(marked) = document().query_selector_all("[data-presence-of]") else { return };
        for index in 0..marked.length() {
            let Some(element) = marked.item(index).and_then(|node| node.dyn_into::<Element>().ok()) else { continue };
            let user_id = element.get_attribute("data-presence-of").and_then(|id| id.parse().ok());
            let Some(status) = user_id.and_then(|id| chat.presence_of(id)).map(|presence| presence.status) else { continue };
            let _ = element.set_attribute("data-status", status.as_str());
            if let Ok(Some(dot)) = element.query_selector(".presence-dot") {
                let _ = dot.set_attribute("data-status", status.as_str());
            }
            if let (Some(name), Ok(Some(line))) = (element.get_attribute("data-name"), element.query_selector(".presence-line")) {
                line.set_text_content(Some(&agent_line(status, &name)));
            } else {
                let _ = element.set_attribute("title", label(status));
                if let Ok(Some(hidden)) = element.query_selector(".visually-hidden") {
                    hidden.set_text_content(Some(label(status)));
                }
            }
        }
    });
}

/// The inbox's view of the team: [`TeamPanel`], live.
#[island]
pub fn TeamPresence() -> impl IntoView {
    crate::ui::ready::island_ready();
    let team = Resource::new(|| (), |_| crate::presence::api::team_presence());
    view! { <TeamPanel team /> }
}

/// The team's presence, online first, with the viewer's own switch. `team` is created by the
/// page (a resource made inside a suspended view would not hydrate).
#[component]
pub fn TeamPanel(team: Resource<Result<Vec<StaffPresence>, AppError>>) -> impl IntoView {
    let t = &crate::i18n::t().presence;
    view! {
        <section class="team-panel" aria-labelledby="team-heading" data-testid="team-panel">
            <Transition fallback=move || view! { <p class="muted" aria-busy="true">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match team.await {
                        Ok(people) => Either::Left(view! { <TeamList people /> }),
                        Err(error) => Either::Right(view! {
                            <h2 id="team-heading">{t.team}</h2>
                            <LoadError error retry=move |_| team.refetch() />
                        }),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn TeamList(people: Vec<StaffPresence>) -> impl IntoView {
    let t = &crate::i18n::t().presence;
    let me = expect_context::<User>().id;
    let chat = use_context::<ChatClient>();
    // As loaded, then as the socket reports each person.
    let current = Memo::new(move |_| {
        let mut list: Vec<StaffPresence> =
            people.iter().map(|loaded| chat.and_then(|chat| chat.presence_of(loaded.user_id)).unwrap_or_else(|| loaded.clone())).collect();
        list.sort_by_key(|p| match p.status {
            StaffStatus::Online => 0,
            StaffStatus::Away => 1,
            StaffStatus::Offline => 2,
        });
        list
    });
    let counts = move || {
        let list = current.get();
        let count = |status| list.iter().filter(|p| p.status == status).count();
        (t.summary)(count(StaffStatus::Online), count(StaffStatus::Away))
    };
    view! {
        <div class="team-head">
            <h2 id="team-heading">{t.team}</h2>
            <span class="muted" data-testid="team-summary">{counts}</span>
        </div>
        {move || {
            let list = current.get();
            if list.is_empty() {
                return Either::Left(view! { <p class="muted">{t.team_empty}</p> });
            }
            Either::Right(view! {
                <ul class="team">
                    {list.into_iter().map(|person| {
                        let mine = person.user_id == me;
                        view! { <TeamMember person me=mine /> }
                    }).collect_view()}
                </ul>
            })
        }}
    }
}

#[component]
fn TeamMember(person: StaffPresence, me: bool) -> impl IntoView {
    let t = &crate::i18n::t().presence;
    let status = person.status;
    let detail = match status {
        StaffStatus::Offline => Some(match person.last_seen_at {
            Some(at) => Either::Left(view! { " · " {t.last_seen} " " <Time at /> }),
            None => Either::Right(view! { " · " {t.never_seen} }),
        }),
        StaffStatus::Away if person.appear_away => Some(Either::Right(view! { " · " {t.chose_away} })),
        _ => None,
    };
    view! {
        <li class="team-member" data-status=status.as_str() data-user-id=person.user_id>
            <span class="presence-dot" data-status=status.as_str()></span>
            <span class="name">{person.display_name.clone()}</span>
            {me.then(|| view! { <span class="muted">{format!(" ({})", t.you)}</span> })}
            <span class="presence-text" data-testid="presence-text">{label(status)}{detail}</span>
            {me.then(|| view! { <AwaySwitch appear_away=person.appear_away /> })}
        </li>
    }
}

/// The viewer's own choice: appear away whatever their tabs do, or not. A plain form, so it works
/// before the page runs too.
#[component]
fn AwaySwitch(appear_away: bool) -> impl IntoView {
    let t = &crate::i18n::t().presence;
    let action = ServerAction::<SetAway>::new();
    let error = move || action.value().get().and_then(Result::err);
    view! {
        <ServerForm action attr:class="inline-form away-switch">
            <input type="hidden" name="away" value=(!appear_away).to_string() />
            <button type="submit" class="button subtle small" data-testid="away-switch" disabled=move || action.pending().get()>
                {if appear_away { t.appear_online } else { t.appear_away }}
            </button>
        </ServerForm>
        {move || error().map(|error| view! { <p class="form-error" role="alert">{crate::i18n::error_message(&error)}</p> })}
    }
}
