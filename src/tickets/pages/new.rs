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
    view! {
        <Title text="New ticket" />
        <div class="page-head">
            <h1>"New ticket"</h1>
        </div>
        <ServerForm action=action attr:class="form wide" attr:aria-label="New ticket">
            <FormError error />
            <label for="subject">"Subject " <span class="muted">"(optional)"</span></label>
            <input id="subject" name="subject" type="text" maxlength=SUBJECT_MAX_CHARS
                aria-invalid=aria_invalid(error, "subject") aria-describedby="subject-error" />
            <FieldError error field="subject" />
            <label for="description">"Describe your issue"</label>
            <textarea id="description" name="description" rows="8" required maxlength=DESCRIPTION_MAX_CHARS
                aria-invalid=aria_invalid(error, "description") aria-describedby="description-hint description-error"></textarea>
            <p class="hint" id="description-hint">
                {format!("What happened, what you expected, and anything you tried. Up to {DESCRIPTION_MAX_CHARS} characters.")}
            </p>
            <FieldError error field="description" />
            <div class="actions">
                <SubmitButton pending=action.pending() label="Open ticket" busy_label="Opening…" />
                <a class="button" href="/app/tickets">"Cancel"</a>
            </div>
        </ServerForm>
    }
}
