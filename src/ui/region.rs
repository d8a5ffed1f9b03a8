//! Parts of a server-rendered page that the browser brings up to date without an island to
//! render them: it loads the page again and takes that part's new HTML.

/// Replaces the content of the element `id` with the same element's in a fresh copy of this
/// page. False when the page could not be loaded or no longer has it (the session ended, say).
#[cfg(feature = "hydrate")]
pub async fn reload(id: &str) -> bool {
    use leptos::prelude::{document, window};
    use leptos::web_sys::{DomParser, SupportedType};

    let Ok(href) = window().location().href() else { return false };
    let Ok(response) = gloo_net::http::Request::get(&href).header("Accept", "text/html").send().await else { return false };
    let Ok(html) = response.text().await else { return false };
    if !response.ok() {
        return false;
    }
    // A parsed document is inert: nothing in it loads or runs.
    let fresh = DomParser::new()
        .ok()
        .and_then(|parser| parser.parse_from_string(&html, SupportedType::TextHtml).ok())
        .and_then(|page| page.get_element_by_id(id));
    match (fresh, document().get_element_by_id(id)) {
        (Some(fresh), Some(current)) => {
            current.set_inner_html(&fresh.inner_html());
            true
        }
        _ => false,
    }
}
