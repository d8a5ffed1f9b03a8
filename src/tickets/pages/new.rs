//! `/app/tickets/new`: a customer opens a ticket.

use leptos::prelude::*;

use crate::attachments::view::{AttachButton, FileTarget, UploadTray};
use crate::attachments::{Upload, UploadState};
use crate::categories::api::active_categories;
use crate::domain::attachment::Attachment;
use crate::domain::ticket::{DESCRIPTION_MAX_CHARS, SUBJECT_MAX_CHARS};
use crate::tickets::api::CreateTicket;
use crate::ui::flash::Outcome;
use crate::ui::{FieldError, FormError, PageTitle, ServerForm, aria_invalid};

/// `/app/tickets/new`: the form posts through its action, and on success the server sends the
/// person to the new ticket's page (a client-side navigation); a refusal shows here, with what
/// was typed kept. Without JavaScript a plain post: after a refusal the page comes back with the
/// error and what was typed, files included (`ui::flash`).
#[component]
pub fn NewTicketPage() -> impl IntoView {
    let texts = crate::i18n::t();
    let (t, nav) = (&texts.tickets, &texts.common);
    let create = ServerAction::<CreateTicket>::new();
    let flash = crate::ui::flash::current();
    let error = Outcome::new().follow(create, |_| None).refusal();
    let typed = move |name: &str| flash.typed(name).unwrap_or_default();
    let (subject, description, category) = (typed("subject"), typed("description"), typed("category_id"));
    let attachment_ids = typed("attachment_ids");
    let categories = Resource::new(|| (), |_| active_categories());
    let kept = Resource::new(|| (), move |_| kept_files(attachment_ids.clone()));
    view! {
        <PageTitle text=nav.nav_new_ticket />
        <div class="page-head">
            <h1>{nav.nav_new_ticket}</h1>
        </div>
        <ServerForm action=create attr:class="form wide" attr:aria-label=nav.nav_new_ticket>
            <FormError error />
            // Offered only while the installation has active categories; then one is required.
            <Suspense fallback=|| ()>
                {move || {
                    let category = category.clone();
                    Suspend::new(async move {
                    let categories = categories.await.unwrap_or_default();
                    (!categories.is_empty()).then(|| view! {
                        <label for="category_id">{t.category}</label>
                        <select id="category_id" name="category_id" required
                            aria-invalid=aria_invalid(error, "category_id") aria-describedby="category_id-error">
                            <option value="" disabled selected=category.is_empty()>{t.choose_category}</option>
                            {categories.into_iter().map(|c| {
                                let chosen = c.id.to_string() == category;
                                view! { <option value=c.id title=c.description selected=chosen>{c.name}</option> }
                            }).collect_view()}
                        </select>
                        <FieldError error field="category_id" />
                    })
                    })
                }}
            </Suspense>
            <label for="subject">{t.subject} <span class="muted">{t.optional}</span></label>
            <input id="subject" name="subject" type="text" maxlength=SUBJECT_MAX_CHARS value=subject
                aria-invalid=aria_invalid(error, "subject") aria-describedby="subject-error" />
            <FieldError error field="subject" />
            <label for="description">{t.describe_issue}</label>
            <Suspense fallback=|| ()>
                {move || {
                    let description = description.clone();
                    Suspend::new(async move {
                    view! {
                        <TicketFiles kept=kept.await>
                            <textarea id="description" name="description" rows="8" required maxlength=DESCRIPTION_MAX_CHARS
                                aria-invalid=aria_invalid(error, "description") aria-describedby="description-hint description-error"
                            >{description}</textarea>
                            <p class="hint" id="description-hint">
                                {(t.description_hint)(DESCRIPTION_MAX_CHARS)}
                            </p>
                        </TicketFiles>
                    }
                    })
                }}
            </Suspense>
            <FieldError error field="description" />
            <FieldError error field="attachment_ids" />
            <div class="actions">
                <button type="submit" class="button primary">{t.open_ticket}</button>
                <a class="button" href="/app/tickets">{t.cancel}</a>
            </div>
        </ServerForm>
    }
}

/// The files a refused form had uploaded (`ids` as the form sent them), if still unsent. Only a
/// full page load after a refusal has any (the flash), and that is the server's to render.
async fn kept_files(ids: String) -> Vec<Attachment> {
    #[cfg(feature = "ssr")]
    {
        let ids = crate::domain::attachment::parse_ids(Some(&ids)).unwrap_or_default();
        let (Ok(user), Ok(state)) = (crate::auth::server::require_user(), crate::server::state::AppState::from_context()) else { return Vec::new() };
        if ids.is_empty() {
            return Vec::new();
        }
        crate::attachments::repo::unsent_of(&state.pool, &user, &ids).await.unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = ids;
        Vec::new()
    }
}

/// The description with the ticket's files: uploaded as they are picked, pasted or dropped, and
/// sent by id with the form (`children`: the description field). `kept`: files already
/// uploaded. The form's button waits while a file is still uploading.
#[component]
fn TicketFiles(kept: Vec<Attachment>, children: Children) -> impl IntoView {
    let kept = kept.into_iter().zip((0..u32::MAX).rev());
    let uploads = RwSignal::new(
        kept.map(|(file, key)| Upload { key, name: file.name.clone(), size: file.size_bytes, state: UploadState::Ready(file) }).collect::<Vec<_>>(),
    );
    let files = FileTarget::new(None, uploads);
    let zone = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        let uploading = uploads.with(|all| all.iter().any(|u| matches!(u.state, UploadState::Sending(_))));
        let button = zone.get().and_then(|zone| zone.closest("form").ok().flatten()).and_then(|form| form.query_selector("button[type=submit]").ok().flatten());
        if let Some(button) = button {
            let _ = if uploading { button.set_attribute("disabled", "") } else { button.remove_attribute("disabled") };
        }
    });
    let attachment_ids = move || {
        uploads.with(|all| {
            all.iter().filter_map(|u| if let UploadState::Ready(file) = &u.state { Some(file.id.to_string()) } else { None }).collect::<Vec<_>>().join(",")
        })
    };
    view! {
        <div class="drop-zone" node_ref=zone class:dragging=move || files.dragging.get()
            on:dragover=files.drag_over() on:dragleave=files.drag_leave() on:drop=files.drop() on:paste=files.paste()>
            {children()}
            <UploadTray uploads />
            <input type="hidden" name="attachment_ids" value=attachment_ids />
            <AttachButton ticket_id=None uploads />
        </div>
    }
}
