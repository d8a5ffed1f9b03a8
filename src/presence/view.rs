//! Presence on screen: a person's dot, a customer's line about their agent, and the team panel
//! (the inbox and the admin dashboard) with the viewer's own "appear away" switch.

use leptos::either::Either;
use leptos::prelude::*;

use super::api::SetAway;
use crate::client::LiveClient;
use crate::domain::account::User;
use crate::domain::presence::{StaffPresence, StaffStatus};
use crate::ui::{LoadError, Time};

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
pub fn paint_live(chat: LiveClient, rendered: impl Fn() + 'static) {
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

/// The team's presence, online first, with the viewer's own switch (the inbox and the
/// dashboard), rendered by the server inside [`LiveTeam`], which keeps it current.
#[component]
pub fn TeamPresence() -> impl IntoView {
    let t = &crate::i18n::t().presence;
    // A refused switch comes back here (`ui::flash`).
    let refused = crate::ui::flash::current().error;
    let people = Resource::new(|| (), |_| crate::presence::api::team_presence());
    view! {
        <LiveTeam>
            <section class="team-panel" id="team-panel" aria-labelledby="team-heading" data-testid="team-panel">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match people.await {
                            Ok(people) => Either::Left(view! { <TeamList people /> }),
                            Err(error) => Either::Right(view! {
                                <h2 id="team-heading">{t.team}</h2>
                                <LoadError error retry=move |_| people.refetch() />
                            }),
                        }
                    })}
                </Suspense>
                {refused.map(|error| view! { <p class="form-error" role="alert">{crate::i18n::error_message(&error)}</p> })}
            </section>
        </LiveTeam>
    }
}

/// What the team panel runs in the browser: each person's status as the socket reports it,
/// online first, and the viewer's switch posted without leaving the page.
#[island]
fn LiveTeam(children: Children) -> impl IntoView {
    crate::ui::ready::island_ready();
    #[cfg(feature = "hydrate")]
    live_team::start();
    children()
}

/// Online first, then away, then offline.
fn rank(status: StaffStatus) -> u8 {
    match status {
        StaffStatus::Online => 0,
        StaffStatus::Away => 1,
        StaffStatus::Offline => 2,
    }
}

#[component]
fn TeamList(mut people: Vec<StaffPresence>) -> impl IntoView {
    let t = &crate::i18n::t().presence;
    let me = expect_context::<User>().id;
    people.sort_by_key(|p| rank(p.status));
    let count = |status| people.iter().filter(|p| p.status == status).count();
    let summary = (t.summary)(count(StaffStatus::Online), count(StaffStatus::Away));
    let list = if people.is_empty() {
        Either::Left(view! { <p class="muted">{t.team_empty}</p> })
    } else {
        Either::Right(view! {
            <ul class="team">
                {people.into_iter().map(|person| {
                    let mine = person.user_id == me;
                    view! { <TeamMember person me=mine /> }
                }).collect_view()}
            </ul>
        })
    };
    view! {
        <div class="team-head">
            <h2 id="team-heading">{t.team}</h2>
            <span class="muted" data-testid="team-summary">{summary}</span>
        </div>
        {list}
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

/// The viewer's own choice: appear away whatever their tabs do, or not. A plain form, which
/// [`LiveTeam`] posts without leaving the page.
#[component]
fn AwaySwitch(appear_away: bool) -> impl IntoView {
    let t = &crate::i18n::t().presence;
    let action = <SetAway as leptos::server_fn::ServerFn>::url();
    view! {
        <form method="post" action=action class="inline-form away-switch">
            <input type="hidden" name="away" value=(!appear_away).to_string() />
            <button type="submit" class="button subtle small" data-testid="away-switch">
                {if appear_away { t.appear_online } else { t.appear_away }}
            </button>
        </form>
    }
}

#[cfg(feature = "hydrate")]
mod live_team {
    use leptos::prelude::*;
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::Element;

    use super::{label, rank};
    use crate::client::LiveClient;
    use crate::domain::presence::{StaffPresence, StaffStatus};
    use crate::ui::region;

    const PANEL: &str = "team-panel";

    pub fn start() {
        let Some(chat) = use_context::<LiveClient>() else { return };
        // Bumped each time new HTML came in.
        let rendered = RwSignal::new(0u64);
        let submits = window_event_listener_untyped("submit", move |event| {
            if let Some(form) = region::form_inside(&event, &[PANEL]) {
                event.prevent_default();
                leptos::task::spawn_local(async move {
                    if region::post_into(&form, &[PANEL]).await {
                        rendered.update(|n| *n += 1);
                    }
                });
            }
        });
        on_cleanup(move || submits.remove());
        Effect::new(move |_| {
            rendered.track();
            let known = chat.known_presence();
            let Ok(Some(list)) = document().query_selector(&format!("#{PANEL} .team")) else { return };
            let mut members = elements(&list, ".team-member");
            for member in &members {
                let id = member.get_attribute("data-user-id").and_then(|id| id.parse::<i64>().ok());
                if let Some(presence) = id.and_then(|id| known.get(&id)) {
                    paint(member, presence);
                }
            }
            // Online first (a stable sort: by name within a status, as the server had them).
            members.sort_by_key(|member| member.get_attribute("data-status").and_then(|s| StaffStatus::parse(&s)).map_or(3, rank));
            for member in &members {
                let _ = list.append_child(member);
            }
            let count = |status: StaffStatus| members.iter().filter(|m| m.get_attribute("data-status").as_deref() == Some(status.as_str())).count();
            if let Ok(Some(summary)) = document().query_selector(&format!("#{PANEL} [data-testid=team-summary]")) {
                let t = &crate::i18n::t().presence;
                summary.set_text_content(Some(&(t.summary)(count(StaffStatus::Online), count(StaffStatus::Away))));
            }
        });
        crate::presence::view::paint_live(chat, move || rendered.track());
    }

    fn elements(root: &Element, selector: &str) -> Vec<Element> {
        let Ok(list) = root.query_selector_all(selector) else { return Vec::new() };
        (0..list.length()).filter_map(|index| list.item(index)?.dyn_into::<Element>().ok()).collect()
    }

    /// A member's row as `TeamMember` renders it, for what the socket reported.
    fn paint(member: &Element, presence: &StaffPresence) {
        let t = &crate::i18n::t().presence;
        let status = presence.status.as_str();
        let _ = member.set_attribute("data-status", status);
        for dot in elements(member, ".presence-dot") {
            let _ = dot.set_attribute("data-status", status);
        }
        let Ok(Some(text)) = member.query_selector(".presence-text") else { return };
        text.set_text_content(Some(label(presence.status)));
        let detail = match (presence.status, presence.last_seen_at) {
            (StaffStatus::Offline, Some(at)) => {
                let _ = text.append_with_str_1(&format!(" · {} ", t.last_seen));
                if let Ok(time) = document().create_element("time") {
                    let _ = time.set_attribute("datetime", &crate::ui::time::machine_time(at));
                    let _ = time.set_attribute("data-static", "");
                    let _ = text.append_child(&time);
                    crate::ui::time::rewrite_static_times_now();
                }
                None
            }
            (StaffStatus::Offline, None) => Some(t.never_seen),
            (StaffStatus::Away, _) if presence.appear_away => Some(t.chose_away),
            _ => None,
        };
        if let Some(detail) = detail {
            let _ = text.append_with_str_1(&format!(" · {detail}"));
        }
        // The viewer's own switch, if their choice changed elsewhere (another tab).
        if let (Ok(Some(away)), Ok(Some(button))) = (member.query_selector("input[name=away]"), member.query_selector(".away-switch button")) {
            let _ = away.set_attribute("value", &(!presence.appear_away).to_string());
            button.set_text_content(Some(if presence.appear_away { t.appear_online } else { t.appear_away }));
        }
    }
}
