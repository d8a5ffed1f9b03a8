//! How attachments look: in a message (thumbnails that open the full image, download cards), and
//! in the composer while they upload.

use leptos::prelude::*;

use super::{Upload, UploadState};
use crate::domain::attachment::{Attachment, human_size};

/// A message's files: images as thumbnails (click for full size), the rest as download cards.
#[component]
pub fn AttachmentList(attachments: Vec<Attachment>) -> impl IntoView {
    let t = &crate::i18n::t().chat;
    (!attachments.is_empty()).then(|| {
        let items = attachments
            .into_iter()
            .map(|file| {
                let url = file.url();
                match file.thumbnail_url() {
                    Some(thumbnail) => leptos::either::Either::Left(view! {
                        <li class="attachment image">
                            <a href=url target="_blank" rel="noopener" aria-label=(t.open_full_size)(&file.name)>
                                <img src=thumbnail alt=file.name.clone() loading="lazy" />
                            </a>
                        </li>
                    }),
                    None => leptos::either::Either::Right(view! {
                        <li class="attachment file">
                            <a class="file-card" href=url download=file.name.clone()>
                                <span class="file-icon" aria-hidden="true">{file_icon(&file.content_type)}</span>
                                <span class="file-name">{file.name.clone()}</span>
                                <span class="file-size">{human_size(file.size_bytes)}</span>
                            </a>
                        </li>
                    }),
                }
            })
            .collect_view();
        view! { <ul class="attachments" aria-label=t.attachments>{items}</ul> }
    })
}

fn file_icon(content_type: &str) -> &'static str {
    match content_type {
        "application/pdf" => "PDF",
        "application/zip" | "application/gzip" => "ZIP",
        t if t.starts_with("text/") => "TXT",
        t if t.starts_with("image/") => "IMG",
        _ => "FILE",
    }
}

/// The composer's files, each removable.
#[component]
pub fn UploadTray(uploads: RwSignal<Vec<Upload>>) -> impl IntoView {
    let t = &crate::i18n::t().chat;
    view! {
        <Show when=move || uploads.with(|u| !u.is_empty())>
            <ul class="upload-tray" aria-label=t.attachments>
                <For each=move || uploads.get() key=|u| (u.key, format!("{:?}", u.state)) let:upload>
                    <li class="upload" class:failed=matches!(upload.state, UploadState::Failed(_))>
                        <span class="file-name">{upload.name.clone()}</span>
                        <span class="file-size">{human_size(upload.size)}</span>
                        {match upload.state.clone() {
                            UploadState::Sending(percent) => leptos::either::EitherOf3::A(view! {
                                <progress max="100" value=percent aria-label=t.uploading>{format!("{percent}%")}</progress>
                            }),
                            UploadState::Ready(_) => leptos::either::EitherOf3::B(()),
                            UploadState::Failed(reason) => leptos::either::EitherOf3::C(view! {
                                <span class="field-error" role="alert">{(t.upload_failed)(&upload.name, &crate::i18n::problem_text(&reason))}</span>
                            }),
                        }}
                        <button type="button" class="button subtle remove" aria-label=(t.remove_file)(&upload.name)
                            on:click=move |_| uploads.update(|all| all.retain(|u| u.key != upload.key))>"×"</button>
                    </li>
                </For>
            </ul>
        </Show>
    }
}

/// What the composer can send: `None` while a file is still uploading, else the uploaded files.
pub fn ready_files(uploads: RwSignal<Vec<Upload>>) -> Option<Vec<Attachment>> {
    uploads.with_untracked(|all| {
        if all.iter().any(|u| matches!(u.state, UploadState::Sending(_))) {
            return None;
        }
        Some(all.iter().filter_map(|u| if let UploadState::Ready(file) = &u.state { Some(file.clone()) } else { None }).collect())
    })
}

/// "Attach files": a button opening the file picker. Shown once the page runs: uploading needs
/// JavaScript (without it the form still sends its text).
#[component]
pub fn AttachButton(ticket_id: Option<i64>, uploads: RwSignal<Vec<Upload>>) -> impl IntoView {
    let t = &crate::i18n::t().chat;
    let running = RwSignal::new(false);
    Effect::new(move |_| running.set(true));
    let picker = NodeRef::<leptos::html::Input>::new();
    view! {
        <Show when=move || running.get()>
            <input type="file" multiple hidden node_ref=picker on:change=move |_| {
                #[cfg(feature = "hydrate")]
                if let Some(input) = picker.get() {
                    super::upload::attach(ticket_id, uploads, super::upload::files_of(input.files()));
                    input.set_value(""); // the same file can be picked again
                }
                #[cfg(not(feature = "hydrate"))]
                let _ = (ticket_id, uploads);
            } />
            <button type="button" class="button subtle attach" title=t.attach_hint aria-label=t.attach_files
                on:click=move |_| {
                    if let Some(input) = picker.get() {
                        input.click();
                    }
                }><span class="attach-icon" aria-hidden="true">"+"</span><span class="attach-label" aria-hidden="true">{t.attach_files}</span></button>
        </Show>
    }
}

/// Where files can arrive besides the picker: dropped on an element, pasted into a text field.
/// `dragging` lights the drop target up while files are held over it.
#[derive(Clone, Copy)]
pub struct FileTarget {
    pub ticket_id: Option<i64>,
    pub uploads: RwSignal<Vec<Upload>>,
    pub dragging: RwSignal<bool>,
}

impl FileTarget {
    pub fn new(ticket_id: Option<i64>, uploads: RwSignal<Vec<Upload>>) -> Self {
        Self { ticket_id, uploads, dragging: RwSignal::new(false) }
    }

    pub fn drag_over(self) -> impl Fn(leptos::ev::DragEvent) + Copy + 'static {
        move |event| {
            event.prevent_default();
            self.dragging.set(true);
        }
    }

    pub fn drag_leave(self) -> impl Fn(leptos::ev::DragEvent) + Copy + 'static {
        move |_| self.dragging.set(false)
    }

    pub fn drop(self) -> impl Fn(leptos::ev::DragEvent) + Copy + 'static {
        move |event| {
            event.prevent_default();
            self.dragging.set(false);
            #[cfg(feature = "hydrate")]
            super::upload::attach(self.ticket_id, self.uploads, super::upload::dropped(&event));
        }
    }

    /// A pasted image (or file) is attached rather than pasted as text.
    pub fn paste(self) -> impl Fn(leptos::ev::ClipboardEvent) + Copy + 'static {
        move |event| {
            #[cfg(feature = "hydrate")]
            {
                let files = super::upload::pasted(&event);
                if !files.is_empty() {
                    event.prevent_default();
                    super::upload::attach(self.ticket_id, self.uploads, files);
                }
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = event;
        }
    }
}
