//! Email on the site: what a ticket's agents see of its mails, and a customer's setting.

use leptos::prelude::*;

use super::api::{SetEmailNotifications, email_notifications, ticket_mails};
use super::model::{MailRecord, MailState, TicketMail};
use crate::domain::ticket::Ticket;
use crate::domain::timeline::TimelineEntry;
use crate::ui::{ServerForm, Time};

/// The ticket's mails in the agent's side pane. Loaded again when what makes a mail happens in the
/// view (a staff message in the room, a change of status), and a little after a waiting mail is
/// due, when a worker has decided about it.
#[component]
pub fn MailFacts(ticket_id: i64, ticket: RwSignal<Ticket>) -> impl IntoView {
    let status = Memo::new(move |_| ticket.with(|t| t.status));
    let room = use_context::<crate::client::LiveClient>().and_then(|chat| chat.room(ticket_id));
    let last_staff_message = Memo::new(move |_| {
        room.and_then(|room| {
            room.entries.with(|entries| {
                entries.values().rev().find_map(|entry| match entry {
                    TimelineEntry::Message(message) if message.sender_role.is_staff() => Some(message.seq),
                    _ => None,
                })
            })
        })
    });
    let due_check = RwSignal::new(0u32);
    let mails = Resource::new(move || (status.get(), last_staff_message.get(), due_check.get()), move |_| ticket_mails(ticket_id));
    let t = &crate::i18n::t().mail;
    view! {
        <dl class="facts mail-facts" data-testid="ticket-mail">
            <div>
                <dt>{t.email}</dt>
                <dd>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            let loaded = mails.await.ok();
                            if let Some(loaded) = &loaded {
                                check_again_when_due(loaded, due_check);
                            }
                            loaded.map(|loaded| view! { <MailLog loaded /> })
                        })}
                    </Transition>
                </dd>
            </div>
        </dl>
    }
}

/// While a mail waits or is being sent, looks again a little after it is due (the browser only).
fn check_again_when_due(loaded: &TicketMail, due_check: RwSignal<u32>) {
    let waiting = loaded.mails.iter().filter(|m| matches!(m.state, MailState::Pending | MailState::Claimed | MailState::Sending)).map(|m| m.due_at).min();
    #[cfg(feature = "hydrate")]
    if let Some(due) = waiting {
        let now_ms = crate::ui::time::Clock::now_fine().unwrap_or_default();
        let wait_ms = (due.timestamp_millis() - now_ms + 1_500).clamp(2_000, 60_000);
        set_timeout(
            move || {
                due_check.try_update(|n| *n += 1);
            },
            std::time::Duration::from_millis(wait_ms as u64),
        );
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (waiting, due_check);
}

#[component]
fn MailLog(loaded: TicketMail) -> impl IntoView {
    let t = &crate::i18n::t().mail;
    if !loaded.enabled {
        return view! { <p class="muted">{t.mail_off}</p> }.into_any();
    }
    let opted_out = loaded.opted_out.then(|| view! { <p class="muted" data-testid="mail-opted-out">{t.customer_opted_out}</p> });
    let list = if loaded.mails.is_empty() {
        view! { <p class="muted">{t.none_yet}</p> }.into_any()
    } else {
        view! { <ul class="mail-log">{loaded.mails.into_iter().take(5).map(|mail| view! { <MailItem mail /> }).collect_view()}</ul> }.into_any()
    };
    view! { {opted_out} {list} }.into_any()
}

#[component]
fn MailItem(mail: MailRecord) -> impl IntoView {
    let t = &crate::i18n::t().mail;
    let what = match mail.kind.as_str() {
        "resolved" => t.kind_resolved.to_owned(),
        "refusal" => t.kind_refusal.to_owned(),
        _ => (t.kind_replies)(mail.message_count.unwrap_or_default()),
    };
    let (state, state_class) = match mail.state {
        MailState::Pending => (t.waiting, "waiting"),
        MailState::Claimed | MailState::Sending => (t.sending, "waiting"),
        MailState::Sent => (t.sent, "sent"),
        MailState::Failed => (t.failed, "failed"),
        MailState::Cancelled => (t.not_needed, "cancelled"),
    };
    // When it went, or when it was decided about; a waiting mail has no time yet.
    let at = mail.sent_at.or((state_class != "waiting").then_some(mail.due_at)).map(|at| view! { " " <Time at /> });
    let detail = mail.outcome.filter(|_| mail.state != MailState::Sent).map(|why| view! { <br /><span class="muted">{why}</span> });
    view! {
        <li class=format!("mail-item {state_class}") data-state=state_class>
            // Text next to text would be one node in the page and two to hydrate: each its own.
            <span>{what}</span> " · " <strong>{state}</strong> {at}
            {detail}
        </li>
    }
}

/// A customer's choice on their tickets page: mails about answers they have not seen, or none.
/// A form (works without JavaScript).
#[component]
pub fn EmailSetting() -> impl IntoView {
    let loaded = Resource::new(|| (), |_| email_notifications());
    let set = ServerAction::<SetEmailNotifications>::new();
    let t = &crate::i18n::t().mail;
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let on_loaded = loaded.await.ok()?;
                let on = move || set.value().get().and_then(Result::ok).unwrap_or(on_loaded);
                Some(view! {
                    <section class="email-setting" data-testid="email-setting">
                        <h2>{t.setting_title}</h2>
                        <p class="muted">{move || if on() { t.setting_on } else { t.setting_off }}</p>
                        <ServerForm action=set>
                            <input type="hidden" name="on" value=move || (!on()).to_string() />
                            <button type="submit" class="button small" disabled=move || set.pending().get()>
                                {move || if on() { t.turn_off } else { t.turn_on }}
                            </button>
                        </ServerForm>
                    </section>
                })
            })}
        </Transition>
    }
}
