//! Parts of a server-rendered page that the browser brings up to date without an island to
//! render them: it loads the page again (or posts a form of it, which lands back on the page)
//! and takes those parts' new HTML. The parts hold no islands: new HTML is not hydrated.

#[cfg(feature = "hydrate")]
pub use browser::*;

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::{document, window};
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{Document, DomParser, Element, FormData, HtmlFormElement, SupportedType, UrlSearchParams};

    /// Replaces the content of the element `id` with the same element's in a fresh copy of this
    /// page. False when the page could not be loaded or no longer has it (the session ended, say).
    pub async fn reload(id: &str) -> bool {
        match this_page().await {
            Some(fresh) => swap(&fresh, id),
            None => false,
        }
    }

    /// A fresh copy of this page, parsed (inert: nothing in it loads or runs).
    pub async fn this_page() -> Option<Document> {
        let href = window().location().href().ok()?;
        parse(gloo_net::http::Request::get(&href).header("Accept", "text/html").send().await.ok()?).await
    }

    /// Posts `form` as the browser would (its fields, url-encoded, to its action) and returns the
    /// page the server sends it back to, with what the post left for it (`ui::flash`).
    pub async fn post(form: &HtmlFormElement) -> Option<Document> {
        let data = FormData::new_with_form(form).ok()?;
        let fields = UrlSearchParams::new_with_str_sequence_sequence(&data).ok()?;
        let body: String = fields.to_string().into();
        // The attribute, not `form.action`: a field named "action" would stand in for it.
        let action = form.get_attribute("action")?;
        let request = gloo_net::http::Request::post(&action)
            .header("Accept", "text/html")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .ok()?;
        parse(request.send().await.ok()?).await
    }

    async fn parse(response: gloo_net::http::Response) -> Option<Document> {
        if !response.ok() {
            return None;
        }
        let html = response.text().await.ok()?;
        DomParser::new().ok()?.parse_from_string(&html, SupportedType::TextHtml).ok()
    }

    /// Puts the content of `fresh`'s element `id` into this page's; false if either lacks it.
    pub fn swap(fresh: &Document, id: &str) -> bool {
        match (fresh.get_element_by_id(id), document().get_element_by_id(id)) {
            (Some(fresh), Some(current)) => {
                current.set_inner_html(&fresh.inner_html());
                crate::ui::time::rewrite_static_times_now();
                true
            }
            _ => false,
        }
    }

    /// Posts `form` ([`post`]) and takes the parts `ids` from the page it lands on; false (its
    /// buttons usable again) if that page could not be had or lacks them.
    pub async fn post_into(form: &HtmlFormElement, ids: &[&str]) -> bool {
        let busy = Busy::set(form);
        let swapped = match post(form).await {
            Some(fresh) => ids.iter().fold(false, |any, id| swap(&fresh, id) || any),
            None => false,
        };
        if !swapped {
            busy.clear();
        }
        swapped
    }

    /// The form an event (a submit, a change) happened in, if it is inside the element `id`.
    pub fn form_inside(event: &leptos::ev::Event, ids: &[&str]) -> Option<HtmlFormElement> {
        let target = event.target()?.dyn_into::<Element>().ok()?;
        let form = match target.dyn_ref::<HtmlFormElement>() {
            Some(form) => form.clone(),
            None => target.closest("form").ok()??.dyn_into::<HtmlFormElement>().ok()?,
        };
        ids.iter().any(|id| form.closest(&format!("#{id}")).ok().flatten().is_some()).then_some(form)
    }

    /// A form's buttons while it posts: disabled, with their busy label if they have one.
    pub struct Busy(Vec<(Element, String)>);

    impl Busy {
        pub fn set(form: &HtmlFormElement) -> Self {
            let mut buttons = Vec::new();
            if let Ok(list) = form.query_selector_all("button") {
                for index in 0..list.length() {
                    let Some(button) = list.item(index).and_then(|node| node.dyn_into::<Element>().ok()) else { continue };
                    let label = button.text_content().unwrap_or_default();
                    let _ = button.set_attribute("disabled", "");
                    let _ = button.set_attribute("aria-busy", "true");
                    if let Some(busy) = button.get_attribute("data-busy-label") {
                        button.set_text_content(Some(&busy));
                    }
                    buttons.push((button, label));
                }
            }
            Busy(buttons)
        }

        /// As they were (the post failed: the page stays as it was).
        pub fn clear(self) {
            for (button, label) in self.0 {
                let _ = button.remove_attribute("disabled");
                let _ = button.remove_attribute("aria-busy");
                button.set_text_content(Some(&label));
            }
        }
    }
}
