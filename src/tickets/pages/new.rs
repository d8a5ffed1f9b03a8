use leptos::prelude::*;
use leptos_meta::Title;

use crate::tickets::api::CreateTicket;
use crate::tickets::model::{DESCRIPTION_MAX_CHARS, SUBJECT_MAX_CHARS};
use crate::ui::{FieldError, FormError, ServerForm, SubmitButton, aria_invalid, last_error};

/// `/app/tickets/new`. On success the server sends the browser to the new ticket's page.
#[component]
pub fn NewTicketPage() -> impl IntoView {
    let action = ServerAction::<CreateTicket>::new();
    let error = last_error(action.value());
    let texts = crate::i18n::t();
    let (t, nav) = (&texts.tickets, &texts.common);
    view! {
        <Title text=nav.nav_new_ticket />
        <div class="page-head">
            <h1>{nav.nav_new_ticket}</h1>
        </div>
        <ServerForm action=action attr:class="form wide" attr:aria-label=nav.nav_new_ticket>
            <FormError error />
            <label for="subject">{t.subject} <span class="muted">{t.optional}</span></label>
            <input id="subject" name="subject" type="text" maxlength=SUBJECT_MAX_CHARS
                aria-invalid=aria_invalid(error, "subject") aria-describedby="subject-error" />
            <FieldError error field="subject" />
            <label for="description">{t.describe_issue}</label>
            <textarea id="description" name="description" rows="8" required maxlength=DESCRIPTION_MAX_CHARS
                aria-invalid=aria_invalid(error, "description") aria-describedby="description-hint description-error"></textarea>
            <p class="hint" id="description-hint">
                {(t.description_hint)(DESCRIPTION_MAX_CHARS)}
            </p>
            <FieldError error field="description" />
            <div class="actions">
                <SubmitButton pending=action.pending() label=t.open_ticket busy_label=t.opening />
                <a class="button" href="/app/tickets">{t.cancel}</a>
            </div>
        </ServerForm>
    }
}
