//! SLA views: a list row's clock, the ticket's two clocks in its facts, and the admins' targets.
//! Until the browser's clock runs (the server, hydration, a page without JavaScript) every clock
//! reads as of when the ticket was loaded; then it counts down every second.

use leptos::either::Either;
use leptos::prelude::*;

use super::api::{SaveSlaPolicies, sla_policies};
use crate::domain::sla::{ClockState, DUE_SOON_MS, FORM_FIELDS, SlaPolicy, Target, TicketSla, format_duration};
use crate::i18n::SlaTexts;
use crate::ui::time::machine_time;
use crate::ui::flash::Outcome;
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

/// The time a clock reads: the browser's clock once it runs (to the second), else when the
/// ticket was loaded (the server, hydration, a page without JavaScript), so both render the same.
fn now_or(checked_at: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    crate::ui::time::Clock::now_fine().and_then(chrono::DateTime::from_timestamp_millis).unwrap_or(checked_at)
}

/// A list row's clock: the target still running (or overdue), else a missed one, else nothing.
#[component]
pub fn SlaBadge(sla: TicketSla) -> impl IntoView {
    let t = &crate::i18n::t().sla;
    let due = sla.next_due().map(|at| (t.due_at)(&format_time(at)));
    let headline = Memo::new(move |_| sla.headline(now_or(sla.checked_at)));
    let text = move || headline.get().map_or_else(String::new, |(target, state)| badge_text(t, target, state));
    let class = move || headline.get().map_or("sla-badge sla-none".to_owned(), |(_, state)| format!("sla-badge {}", tone(state)));
    view! { <span class=class title=due data-testid="sla-badge">{text}</span> }
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

/// The ticket's two clocks, for its facts.
#[component]
pub fn SlaFacts(sla: TicketSla) -> impl IntoView {
    let t = &crate::i18n::t().sla;
    let clocks = [(Target::FirstResponse, t.first_response, sla.first_response), (Target::Resolution, t.resolution, sla.resolution)];
    clocks
        .into_iter()
        .filter_map(|(target, label, clock)| clock.map(|clock| (target, label, clock)))
        .map(|(target, label, clock)| {
            let sla = sla.clone();
            let state = Memo::new(move |_| sla.state(target, now_or(sla.checked_at)));
            let testid = match target {
                Target::FirstResponse => "sla-first-response",
                Target::Resolution => "sla-resolution",
            };
            view! {
                <div>
                    <dt>{label}</dt>
                    <dd class=move || state.get().map(tone).unwrap_or_default() data-testid=testid>
                        <span>{move || state.get().map(|state| describe(t, state)).unwrap_or_default()}</span>
                        <br />
                        <time class="muted" datetime=machine_time(clock.due_at)>{(t.due_at)(&format_time(clock.due_at))}</time>
                    </dd>
                </div>
            }
        })
        .collect_view()
}

/// `/app/admin/sla`: each priority's targets, in one form, posted through its action (without
/// JavaScript, a plain post that comes back (`ui::flash`) with the outcome and, after a refusal,
/// what was typed).
#[component]
pub fn SlaSettingsPage() -> impl IntoView {
    let t = &crate::i18n::t().sla;
    let save = ServerAction::<SaveSlaPolicies>::new();
    let outcome = Outcome::new().follow(save, move |_| Some(crate::i18n::t().sla.saved.to_owned()));
    let policies = Resource::new(move || outcome.saved.get(), |_| sla_policies());
    let flash = crate::ui::flash::current();
    let error = outcome.refusal();
    view! {
        <PageTitle text=t.title />
        <div class="page-head"><h1>{t.title}</h1></div>
        <p class="muted">{t.intro}</p>
        <Transition fallback=Loading>
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
                                {move || outcome.notice.get().map(|notice| view! { <p class="notice" role="status">{notice}</p> })}
                            </ServerForm>
                        }),
                        Err(error) => Either::Right(view! { <LoadError error retry=move |_| policies.refetch() /> }),
                    }
                })
            }}
        </Transition>
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
