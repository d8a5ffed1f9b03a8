//! Search boxes and filters: a `GET` form whose submission, once the page runs, is a navigation
//! inside the app (without JavaScript, the browser loads the address itself). leptos_router's
//! `<Form>` does this too, but brings its `POST` and multipart paths and Unicode's case tables
//! (it lowercases `method`) into the main bundle, for the header's search box.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;

/// `<form method="get" action=action>` that navigates to `action?<its fields>` when submitted.
#[component]
pub fn GetForm(#[prop(into)] action: String, children: Children) -> impl IntoView {
    let navigate = leptos_router::hooks::use_navigate();
    let target = action.clone();
    let on_submit = move |event: SubmitEvent| {
        // A form that can't be read here is submitted by the browser, as without JavaScript.
        #[cfg(feature = "hydrate")]
        if let Some(query) = browser::query_of(&event) {
            event.prevent_default();
            navigate(&format!("{target}?{query}"), Default::default());
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&navigate, &target, event);
    };
    view! { <form method="get" action=action on:submit=on_submit>{children()}</form> }
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{FormData, HtmlFormElement, UrlSearchParams};

    /// The submitted form's fields as a query string, encoded as the browser encodes them.
    pub fn query_of(event: &leptos::ev::SubmitEvent) -> Option<String> {
        let form = event.target()?.dyn_into::<HtmlFormElement>().ok()?;
        let data = FormData::new_with_form(&form).ok()?;
        let params = UrlSearchParams::new_with_str_sequence_sequence(&data).ok()?;
        params.to_string().as_string()
    }
}
