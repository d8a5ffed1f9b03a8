use leptos::prelude::*;

use crate::attachments::view::{AttachButton, FileTarget, Upload, UploadState, UploadTray};
use crate::categories::api::active_categories;
use crate::tickets::api::CreateTicket;
use crate::tickets::model::{DESCRIPTION_MAX_CHARS, SUBJECT_MAX_CHARS};
use crate::ui::{FieldError, FormError, PageTitle, ServerForm, SubmitButton, aria_invalid, last_error};

/// `/app/tickets/new`. On success the server sends the browser to the new ticket's page.
#[island]
pub fn NewTicketPage() -> impl IntoView {
    crate::ui::ready::island_ready();
    let action = ServerAction::<CreateTicket>::new();
    let error = last_error(action.value());
    let categories = Resource::new(|| (), |_| active_categories());
    let texts = crate::i18n::t();
    let (t, nav) = (&texts.tickets, &texts.common);
    // Files for the ticket, uploaded as they are picked, pasted or dropped; sent by id with the form.
    let uploads = RwSignal::new(Vec::<Upload>::new());
    let files = FileTarget::new(None, uploads);
    let uploading = Memo::new(move |_| uploads.with(|all| all.iter().any(|u| matches!(u.state, UploadState::Sending(_)))));
    let pending = action.pending();
    let busy = Memo::new(move |_| pending.get() || uploading.get());
    let attachment_ids = move || {
        uploads.with(|all| {
            all.iter().filter_map(|u| if let UploadState::Ready(file) = &u.state { Some(file.id.to_string()) } else { None }).collect::<Vec<_>>().join(",")
        })
    };
    view! {
        <PageTitle text=nav.nav_new_ticket />
        <div class="page-head">
            <h1>{nav.nav_new_ticket}</h1>
        </div>
        <ServerForm action=action attr:class="form wide" attr:aria-label=nav.nav_new_ticket>
            <FormError error />
            // Offered only while the installation has active categories; then one is required.
            <Suspense>
                {move || Suspend::new(async move {
                    let categories = categories.await.unwrap_or_default();
                    (!categories.is_empty()).then(|| view! {
                        <label for="category_id">{t.category}</label>
                        <select id="category_id" name="category_id" required
                            aria-invalid=aria_invalid(error, "category_id") aria-describedby="category_id-error">
                            <option value="" disabled selected>{t.choose_category}</option>
                            {categories.into_iter().map(|category| view! {
                                <option value=category.id title=category.description>{category.name}</option>
                            }).collect_view()}
                        </select>
                        <FieldError error field="category_id" />
                    })
                })}
            </Suspense>
            <label for="subject">{t.subject} <span class="muted">{t.optional}</span></label>
            <input id="subject" name="subject" type="text" maxlength=SUBJECT_MAX_CHARS
                aria-invalid=aria_invalid(error, "subject") aria-describedby="subject-error" />
            <FieldError error field="subject" />
            <label for="description">{t.describe_issue}</label>
            <div class="drop-zone" class:dragging=move || files.dragging.get()
                on:dragover=files.drag_over() on:dragleave=files.drag_leave() on:drop=files.drop()>
                <textarea id="description" name="description" rows="8" required maxlength=DESCRIPTION_MAX_CHARS
                    aria-invalid=aria_invalid(error, "description") aria-describedby="description-hint description-error"
                    on:paste=files.paste()></textarea>
                <p class="hint" id="description-hint">
                    {(t.description_hint)(DESCRIPTION_MAX_CHARS)}
                </p>
                <UploadTray uploads />
                <input type="hidden" name="attachment_ids" value=attachment_ids />
                <AttachButton ticket_id=None uploads />
            </div>
            <FieldError error field="description" />
            <FieldError error field="attachment_ids" />
            <div class="actions">
                <SubmitButton pending=busy label=t.open_ticket busy_label=t.opening />
                <a class="button" href="/app/tickets">{t.cancel}</a>
            </div>
        </ServerForm>
    }
}
