//! Filters that apply as soon as they change. The filters are a GET form (which works without
//! JavaScript through its Apply button); around it, this goes to the page's address with the new
//! value when a choice changes (a client-side navigation: the list loads its rows for it). Text
//! fields are left to the form's own submit (Enter).

use leptos::prelude::*;

#[component]
pub fn ApplyOnChange(children: Children) -> impl IntoView {
    let navigate = leptos_router::hooks::use_navigate();
    let on_change = move |event: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        if let Some(address) = browser::address_after(&event) {
            navigate(&address, Default::default());
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &navigate;
        #[cfg(not(feature = "hydrate"))]
        let _ = event;
    };
    view! { <div class="apply-on-change" on:change=on_change>{children()}</div> }
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{Element, HtmlInputElement};

    /// This page's address with the changed choice: the other values as the address has them,
    /// an empty one or "all" left out, back to the first page.
    pub fn address_after(event: &leptos::ev::Event) -> Option<String> {
        let field = event.target()?.dyn_into::<Element>().ok()?;
        let name = field.get_attribute("name")?;
        let value = match field.dyn_ref::<HtmlInputElement>() {
            Some(input) if input.type_() == "checkbox" => input.checked().then(|| input.value()),
            Some(_) => return None,
            None => Some(event_target_value(event)),
        };
        let search = window().location().search().ok()?;
        let mut pairs: Vec<String> = search
            .trim_start_matches('?')
            .split('&')
            .filter(|pair| {
                let key = pair.split('=').next().unwrap_or_default();
                !pair.is_empty() && key != name && key != "cursor"
            })
            .map(str::to_owned)
            .collect();
        if let Some(value) = value.filter(|v| !v.is_empty() && v != "all") {
            pairs.push(format!("{name}={}", crate::ui::encode_query_value(&value)));
        }
        let path = window().location().pathname().ok()?;
        Some(if pairs.is_empty() { path } else { format!("{path}?{}", pairs.join("&")) })
    }
}
