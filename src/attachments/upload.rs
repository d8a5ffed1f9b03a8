//! Uploading from the browser: `XMLHttpRequest`, the one browser API that reports upload progress.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{File, ProgressEvent, XmlHttpRequest};

use super::{Upload, UploadState};
use crate::domain::attachment::Attachment;
use crate::error::{AppError, Problem};

thread_local! {
    static NEXT_KEY: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Starts uploading each file (for `ticket_id`, or for the ticket being opened), shown in `uploads`.
pub fn attach(ticket_id: Option<i64>, uploads: RwSignal<Vec<Upload>>, files: Vec<File>) {
    for file in files {
        let key = NEXT_KEY.with(|next| {
            next.set(next.get() + 1);
            next.get()
        });
        upload_file(ticket_id, file, key, uploads);
    }
}

/// The files a paste carries (a pasted image, or files copied in a file manager).
pub fn pasted(event: &web_sys::ClipboardEvent) -> Vec<File> {
    files_of(event.clipboard_data().and_then(|data| data.files()))
}

pub fn dropped(event: &web_sys::DragEvent) -> Vec<File> {
    files_of(event.data_transfer().and_then(|data| data.files()))
}

/// Sends `file`, showing it in `uploads` under `key` from start to end. Failure reasons are kept
/// in English (the server's words) and translated where shown.
fn upload_file(ticket_id: Option<i64>, file: File, key: u32, uploads: RwSignal<Vec<Upload>>) {
    let name = file.name();
    uploads.update(|all| all.push(Upload { key, name: name.clone(), size: file.size() as i64, state: UploadState::Sending(0) }));
    // It ends after its view may be gone (the person moved to another page meanwhile).
    let set = move |state: UploadState| {
        uploads.try_update(|all| {
            if let Some(upload) = all.iter_mut().find(|u| u.key == key) {
                upload.state = state;
            }
        });
    };
    let Ok(request) = XmlHttpRequest::new() else { return set(UploadState::Failed(network_trouble())) };
    let ticket = ticket_id.map(|id| format!("ticket_id={id}&")).unwrap_or_default();
    let url = format!("/api/attachments/upload?{ticket}name={}", js_sys::encode_uri_component(&name));
    if request.open("POST", &url).is_err() || request.set_request_header("Accept", "application/json").is_err() {
        return set(UploadState::Failed(network_trouble()));
    }
    let progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |event: ProgressEvent| {
        if event.length_computable() && event.total() > 0.0 {
            // 99 at most: the file is only ready once the server has stored it.
            set(UploadState::Sending((event.loaded() / event.total() * 100.0).min(99.0) as u8));
        }
    });
    if let Ok(target) = request.upload() {
        target.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    let answered = request.clone();
    let done = Closure::once_into_js(move || {
        drop(progress); // no more progress once it has ended
        let status = answered.status().unwrap_or(0);
        let body = answered.response_text().ok().flatten().unwrap_or_default();
        let state = match serde_json::from_str::<Attachment>(&body) {
            Ok(attachment) if (200..300).contains(&status) => UploadState::Ready(attachment),
            _ => UploadState::Failed(serde_json::from_str::<AppError>(&body).map_or_else(|_| network_trouble(), |e| e.problem)),
        };
        set(state);
    });
    request.set_onloadend(Some(done.unchecked_ref()));
    if request.send_with_opt_blob(Some(&file)).is_err() {
        set(UploadState::Failed(network_trouble()));
    }
}

fn network_trouble() -> Problem {
    Problem::UploadUnreachable
}

/// The files of a picker, a paste or a drop.
pub fn files_of(list: Option<web_sys::FileList>) -> Vec<File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}
