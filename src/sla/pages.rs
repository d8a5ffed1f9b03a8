//! SLA views: a list row's clock, the ticket's two clocks in its facts, and the admins' targets.
//! Until the browser's clock runs (the server, hydration, a page without JavaScript) every clock
//! reads as of when the ticket was loaded; then it counts down every second.

use leptos::either::Either;
use leptos::prelude::*;

use super::api::{SaveSlaPolicies, sla_policies};
use crate::domain::sla::{ClockState, DUE_SOON_MS, FORM_FIELDS, SlaPolicy, Target, TicketSla, format_duration};
use crate::i18n::SlaTexts;
use crate::ui::time::machine_time;
use crate::ui::{FieldError, FormError, LoadError, Loading, PageTitle, ServerForm, SubmitButton, format_time};

/// A countdown as people read it: "2 d 3 h", "3 h 05 min", "42 min 07 s", "9 s".
pub fn countdown(ms: i64) -> String {
    let seconds = ms.max(0) / 1000;
    let (days, hours, minutes, secs) = (seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60, seconds % 60);
    match (days, hours, minutes) {
        (1.., _, _) => format!("{days} d {hours} h"),
        (0, 1.., _) => format!("{hours} h {minutes:02} min"),
        (0, 0, 1..) => format!("{minutes} min {secs:02} s"),
        _ => format!("{secs} s"),
    }
}

/// How a clock looks: `sla-ok`, `sla-soon` (under an hour left), `sla-breached`, `sla-done`.
fn tone(state: ClockState) -> &'static str {
    match state {
        state if state.is_breached() => "sla-breached",
        ClockState::Running { left_ms } if left_ms < DUE_SOON_MS => "sla-soon",
        ClockState::Running { .. } => "sla-ok",
        _ => "sla-done",
    }
}

fn describe(t: &SlaTexts, state: ClockState) -> String {
    match state {
        ClockState::Done { late: false, .. } => t.met.to_owned(),
        ClockState::Done { late: true, .. } => t.missed.to_owned(),
        ClockState::Running { left_ms } => (t.due_in)(&countdown(left_ms)),
        ClockState::Paused { left_ms } => (t.paused_left)(&countdown(left_ms)),
        ClockState::Overdue { by_ms } => (t.overdue_by)(&countdown(by_ms)),
    }
}

/// A list row's clock: the target still running (or overdue), else a missed one, else nothing;
/// as it read when the page was made. A running one carries its due time and target
/// (`data-due`, `data-target`): [`follow_static_clocks`] counts it down.
#[component]
pub fn SlaBadge(sla: TicketSla) -> impl IntoView {
    let t = &crate::i18n::t().sla;
    let headline = sla.headline(sla.checked_at);
    let running = headline.filter(|(_, state)| matches!(state, ClockState::Running { .. } | ClockState::Overdue { .. }));
    let due_ms = running.and_then(|(target, _)| sla.clock(target)).map(|clock| clock.due_at.timestamp_millis());
    let target = running.map(|(target, _)| target_name(target));
    let text = headline.map_or_else(String::new, |(target, state)| badge_text(t, target, state));
    let class = headline.map_or("sla-badge sla-none".to_owned(), |(_, state)| format!("sla-badge {}", tone(state)));
    let due = sla.next_due().map(|at| (t.due_at)(&format_time(at)));
    view! { <span class=class title=due data-testid="sla-badge" data-due=due_ms data-target=target>{text}</span> }
}

fn target_name(target: Target) -> &'static str {
    match target {
        Target::FirstResponse => "first-response",
        Target::Resolution => "resolution",
    }
}

fn badge_text(t: &SlaTexts, target: Target, state: ClockState) -> String {
    match (target, state) {
        (Target::FirstResponse, ClockState::Running { left_ms }) => (t.reply_in)(&countdown(left_ms)),
        (Target::FirstResponse, ClockState::Overdue { by_ms }) => (t.reply_overdue)(&countdown(by_ms)),
        (Target::Resolution, ClockState::Running { left_ms }) => (t.resolve_in)(&countdown(left_ms)),
        (Target::Resolution, ClockState::Overdue { by_ms }) => (t.resolve_overdue)(&countdown(by_ms)),
        _ => t.sla_missed.to_owned(),
    }
}

/// The ticket's two clocks, for its facts, as they read when the page was made. A clock still
/// running carries its due time (`data-due`): [`follow_static_clocks`] counts it down.
#[component]
pub fn SlaFacts(sla: TicketSla) -> impl IntoView {
    let t = &crate::i18n::t().sla;
    let clocks = [(Target::FirstResponse, t.first_response, sla.first_response), (Target::Resolution, t.resolution, sla.resolution)];
    clocks
        .into_iter()
        .filter_map(|(target, label, clock)| clock.map(|clock| (target, label, clock)))
        .map(|(target, label, clock)| {
            let state = sla.state(target, sla.checked_at);
            let running = matches!(state, Some(ClockState::Running { .. } | ClockState::Overdue { .. })) && sla.paused_at.is_none();
            let testid = match target {
                Target::FirstResponse => "sla-first-response",
                Target::Resolution => "sla-resolution",
            };
            view! {
                <div>
                    <dt>{label}</dt>
                    <dd class=state.map(tone).unwrap_or_default() data-testid=testid data-due=running.then(|| clock.due_at.timestamp_millis())>
                        <span>{state.map(|state| describe(t, state)).unwrap_or_default()}</span>
                        <br />
                        <time class="muted" datetime=machine_time(clock.due_at)>{(t.due_at)(&format_time(clock.due_at))}</time>
                    </dd>
                </div>
            }
        })
        .collect_view()
}

/// Counts down, every second, the running clocks the server rendered ([`SlaFacts`],
/// [`SlaBadge`]); again at once whenever `rendered` says new HTML came in.
#[cfg(feature = "hydrate")]
pub fn follow_static_clocks(rendered: impl Fn() + 'static) {
    use leptos::wasm_bindgen::JsCast;
    Effect::new(move |_| {
        rendered();
        let Some(now) = crate::ui::time::Clock::now_fine() else { return };
        let t = &crate::i18n::t().sla;
        let Ok(clocks) = document().query_selector_all("[data-due]") else { return };
        for index in 0..clocks.length() {
            let Some(clock) = clocks.item(index).and_then(|node| node.dyn_into::<leptos::web_sys::Element>().ok()) else { continue };
            let Some(due) = clock.get_attribute("data-due").and_then(|due| due.parse::<i64>().ok()) else { continue };
            let state = if due >= now { ClockState::Running { left_ms: due - now } } else { ClockState::Overdue { by_ms: now - due } };
            match clock.get_attribute("data-target").as_deref() {
                // A list's badge.
                Some(target) => {
                    let target = if target == "resolution" { Target::Resolution } else { Target::FirstResponse };
                    let _ = clock.set_attribute("class", &format!("sla-badge {}", tone(state)));
                    clock.set_text_content(Some(&badge_text(t, target, state)));
                }
                // A clock in the ticket's facts.
                None => {
                    let _ = clock.set_attribute("class", tone(state));
                    if let Ok(Some(text)) = clock.query_selector("span") {
                        text.set_text_content(Some(&describe(t, state)));
                    }
                }
            }
        }
    });
}

/// `/app/admin/sla`: each priority's targets, in one form, rendered by the server only: the form
/// posts and comes back (`ui::flash`) with the outcome and, after a refusal, what was typed.
#[component]
pub fn SlaSettingsPage() -> impl IntoView {
    let t = &crate::i18n::t().sla;
    let save = ServerAction::<SaveSlaPolicies>::new();
    let policies = Resource::new(|| (), |_| sla_policies());
    let flash = crate::ui::flash::current();
    let error = Signal::stored(flash.error.clone());
    view! {
        <PageTitle text=t.title />
        <div class="page-head"><h1>{t.title}</h1></div>
        <p class="muted">{t.intro}</p>
        <Suspense fallback=Loading>
            {move || {
                let flash = flash.clone();
                Suspend::new(async move {
                    match policies.await {
                        Ok(list) => Either::Left(view! {
                            <ServerForm action=save attr:class="form wide sla-form">
                                <FormError error />
                                <table class="people sla-targets" aria-label=t.title>
                                    <thead>
                                        <tr>
                                            <th scope="col">{t.priority}</th>
                                            <th scope="col">{t.first_response}</th>
                                            <th scope="col">{t.resolution}</th>
                                        </tr>
                                    </thead>
                                    <tbody>{list.into_iter().map(|policy| view! { <PolicyRow policy error typed=flash.clone() /> }).collect_view()}</tbody>
                                </table>
                                <p class="muted" id="sla-hint">{t.hint}</p>
                                <SubmitButton pending=save.pending() label=t.save busy_label=t.saving />
                                {flash.notice.map(|notice| view! { <p class="notice" role="status">{notice}</p> })}
                            </ServerForm>
                        }),
                        Err(error) => Either::Right(view! { <LoadError error retry=move |_| policies.refetch() /> }),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn PolicyRow(policy: SlaPolicy, error: Signal<Option<crate::error::AppError>>, typed: crate::ui::flash::Flash) -> impl IntoView {
    let texts = crate::i18n::t();
    let priority = policy.priority;
    let (_, first_field, resolution_field) = FORM_FIELDS.into_iter().find(|fields| fields.0 == priority).unwrap_or(FORM_FIELDS[2]);
    let input = move |name: &'static str, minutes: Option<i32>, label: &'static str| {
        let invalid = crate::ui::aria_invalid(error, name);
        view! {
            <td data-label=label>
                <input type="text" name=name id=name value=typed.typed(name).unwrap_or_else(|| minutes.map(format_duration).unwrap_or_default())
                    placeholder=texts.sla.no_target aria-label=format!("{} · {label}", texts.tickets.priority_name(priority))
                    aria-describedby="sla-hint" aria-invalid=invalid size="10" maxlength="20" inputmode="text" autocomplete="off" />
                <FieldError error field=name />
            </td>
        }
    };
    view! {
        <tr data-priority=priority.as_str()>
            <th scope="row">{texts.tickets.priority_name(priority)}</th>
            {input(first_field, policy.first_response_minutes, texts.sla.first_response)}
            {input(resolution_field, policy.resolution_minutes, texts.sla.resolution)}
        </tr>
    }
}
