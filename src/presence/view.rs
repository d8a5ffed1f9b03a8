//! Presence on screen: a person's dot, a customer's line about their agent, and the team panel
//! (the inbox and the admin dashboard) with the viewer's own "appear away" switch.

use leptos::either::Either;
use leptos::prelude::*;

use super::api::SetAway;
use crate::client::LiveClient;
use crate::domain::account::User;
use crate::domain::presence::{StaffPresence, StaffStatus};
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
    let chat = use_context::<LiveClient>();
    move || chat.and_then(|chat| chat.presence_of(user_id)).map(|p| p.status).or(loaded)
}

/// A coloured dot with the status in words for screen readers and on hover.
#[component]
pub fn PresenceDot(user_id: i64, loaded: Option<StaffStatus>) -> impl IntoView {
    let status = live_status(user_id, loaded);
    move || {
        status().map(|status| {
            view! {
                <span class="presence-dot" data-status=status.as_str() title=label(status) data-testid="presence-dot">
                    <span class="visually-hidden">{label(status)}</span>
                </span>
            }
        })
    }
}

/// What a customer reads about the agent of their ticket: online, away (answers may take longer)
/// or offline (the answer will show here).
#[component]
pub fn AgentPresence(agent_id: i64, name: String, loaded: Option<StaffStatus>) -> impl IntoView {
    let status = live_status(agent_id, loaded);
    move || {
        status().map(|status| {
            view! {
                <p class="agent-presence" data-status=status.as_str() data-testid="agent-presence" role="status">
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

/// The team's presence, online first, with the viewer's own switch (the inbox and the
/// dashboard).
#[component]
pub fn TeamPresence() -> impl IntoView {
    let t = &crate::i18n::t().presence;
    // A refused switch posted without JavaScript comes back here (`ui::flash`).
    let refused = crate::ui::flash::current().error;
    let people = Resource::new(|| (), |_| crate::presence::api::team_presence());
    view! {
        <section class="team-panel" aria-labelledby="team-heading" data-testid="team-panel">
            <Suspense fallback=|| ()>
                {move || {
                    let refused = refused.clone();
                    Suspend::new(async move {
                        match people.await {
                            Ok(people) => Either::Left(view! { <LiveTeam people refused /> }),
                            Err(error) => Either::Right(view! {
                                <h2 id="team-heading">{t.team}</h2>
                                <LoadError error retry=move |_| people.refetch() />
                            }),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

/// The team as the browser keeps it: each person as the socket last reported them (else as
/// loaded), online first; the viewer's switch posts without leaving the page.
#[component]
fn LiveTeam(people: Vec<StaffPresence>, refused: Option<AppError>) -> impl IntoView {
    let chat = use_context::<LiveClient>();
    let set_away = ServerAction::<SetAway>::new();
    let refusal = RwSignal::new(refused);
    Effect::new(move |_| match set_away.value().get() {
        None => {}
        Some(Ok(mine)) => {
            refusal.set(None);
            // As good as the socket's word (which follows).
            if let Some(chat) = chat {
                chat.apply(crate::domain::live::ServerEvent::StaffPresence(mine));
            }
        }
        Some(Err(error)) => refusal.set(Some(error)),
    });
    // The team as loaded, each person replaced by what the socket said since. Worked out anew
    // for each use (a team is a few dozen people at most): a memo, a sort and a keyed list of
    // their own would each compile Leptos' machinery once more for this type.
    let loaded = StoredValue::new(people);
    let people = move || {
        let mut people = loaded.get_value();
        for (_, heard) in chat.map(|chat| chat.known_presence()).unwrap_or_default() {
            match people.iter_mut().find(|p| p.user_id == heard.user_id) {
                Some(person) => *person = heard,
                None => people.push(heard),
            }
        }
        // Online first, then away, then offline; by name within each, as the server had them.
        let mut ordered = Vec::with_capacity(people.len());
        for status in [StaffStatus::Online, StaffStatus::Away, StaffStatus::Offline] {
            ordered.extend(people.iter().filter(|p| p.status == status).cloned());
        }
        ordered
    };
    let t = &crate::i18n::t().presence;
    let me = expect_context::<User>().id;
    let count = move |status| people().iter().filter(|p| p.status == status).count();
    let summary = move || (t.summary)(count(StaffStatus::Online), count(StaffStatus::Away));
    let list = move || {
        let people = people();
        if people.is_empty() {
            Either::Left(view! { <p class="muted">{t.team_empty}</p> })
        } else {
            let members = people.into_iter().map(|person| view! { <TeamMember me={person.user_id == me} person set_away /> }).collect_view();
            Either::Right(view! { <ul class="team">{members}</ul> })
        }
    };
    view! {
        <div class="team-head">
            <h2 id="team-heading">{t.team}</h2>
            <span class="muted" data-testid="team-summary">{summary}</span>
        </div>
        {list}
        {move || refusal.get().map(|error| view! { <p class="form-error" role="alert">{crate::i18n::error_message(&error)}</p> })}
    }
}

#[component]
fn TeamMember(person: StaffPresence, me: bool, set_away: ServerAction<SetAway>) -> impl IntoView {
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
        <li class="team-member" data-status=status.as_str()>
            <span class="presence-dot" data-status=status.as_str()></span>
            <span class="name">{person.display_name.clone()}</span>
            {me.then(|| view! { <span class="muted">{format!(" ({})", t.you)}</span> })}
            <span class="presence-text" data-testid="presence-text">{label(status)}{detail}</span>
            {me.then(|| view! { <AwaySwitch appear_away=person.appear_away set_away /> })}
        </li>
    }
}

/// The viewer's own choice: appear away whatever their tabs do, or not.
#[component]
fn AwaySwitch(appear_away: bool, set_away: ServerAction<SetAway>) -> impl IntoView {
    let t = &crate::i18n::t().presence;
    view! {
        <ServerForm action=set_away attr:class="inline-form away-switch">
            <input type="hidden" name="away" value=(!appear_away).to_string() />
            <button type="submit" class="button subtle small" data-testid="away-switch" disabled=move || set_away.pending().get()>
                {if appear_away { t.appear_online } else { t.appear_away }}
            </button>
        </ServerForm>
    }
}
