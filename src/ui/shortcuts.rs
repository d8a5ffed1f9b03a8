//! Keyboard shortcuts for agents and admins: move through the queue, open a ticket, assign it to
//! yourself, resolve it, write a reply; `?` lists them. Keys typed into a field are the field's.

use leptos::prelude::*;

/// Whether the list of shortcuts is open (a button on the inbox opens it too); the app frame
/// provides it.
#[derive(Clone, Copy)]
pub struct ShortcutHelp(pub RwSignal<bool>);

#[component]
pub fn Shortcuts() -> impl IntoView {
    let t = &crate::i18n::t().chat;
    let ShortcutHelp(open) = expect_context::<ShortcutHelp>();
    #[cfg(feature = "hydrate")]
    {
        let navigate = leptos_router::hooks::use_navigate();
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || ev.default_prevented() {
                return;
            }
            let key = ev.key();
            if key == "Escape" {
                open.set(false);
                return;
            }
            if typing_in_a_field() {
                return;
            }
            let handled = match key.as_str() {
                "?" => {
                    open.update(|o| *o = !*o);
                    true
                }
                "j" => move_in_queue(1),
                "k" => move_in_queue(-1),
                "o" => click(".queue .row-link:focus").or_else(|| click(".queue .row-link")).is_some(),
                "a" => click("[data-shortcut=assign]").is_some(),
                "r" => click("[data-shortcut=resolve]").is_some(),
                "c" => focus("#chat-input"),
                "u" => {
                    navigate("/app/inbox", Default::default());
                    true
                }
                _ => false,
            };
            if handled {
                ev.prevent_default();
            }
        });
        on_cleanup(move || handle.remove());
    }
    view! {
        <Show when=move || open.get()>
            <div class="shortcuts-dialog" role="dialog" aria-modal="false" aria-labelledby="shortcuts-title">
                <h2 id="shortcuts-title">{t.shortcuts_title}</h2>
                <dl>
                    {t.shortcut_list.iter().map(|(keys, what)| view! { <dt><kbd>{*keys}</kbd></dt><dd>{*what}</dd> }).collect_view()}
                </dl>
                <button type="button" class="button" on:click=move |_| open.set(false)>{t.close}</button>
            </div>
        </Show>
    }
}

/// The inbox's button that opens the list of shortcuts (shown once the page runs).
#[component]
pub fn ShortcutsButton() -> impl IntoView {
    let t = &crate::i18n::t().tickets;
    view! {
        <button type="button" class="button subtle shortcut-hint" on:click=move |_| {
            if let Some(help) = use_context::<ShortcutHelp>() {
                help.0.update(|open| *open = !*open);
            }
        }>{t.keyboard_shortcuts}</button>
    }
}

#[cfg(feature = "hydrate")]
fn typing_in_a_field() -> bool {
    document().active_element().is_some_and(|el| {
        matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") || el.get_attribute("contenteditable").is_some()
    })
}

#[cfg(feature = "hydrate")]
fn element(selector: &str) -> Option<leptos::web_sys::HtmlElement> {
    use leptos::wasm_bindgen::JsCast;
    document().query_selector(selector).ok().flatten()?.dyn_into().ok()
}

#[cfg(feature = "hydrate")]
fn click(selector: &str) -> Option<()> {
    element(selector).filter(|el| !el.has_attribute("disabled")).map(|el| el.click())
}

#[cfg(feature = "hydrate")]
fn focus(selector: &str) -> bool {
    element(selector).is_some_and(|el| el.focus().is_ok())
}

/// Moves the focus to the next (or previous) ticket of the list on screen.
#[cfg(feature = "hydrate")]
fn move_in_queue(step: i32) -> bool {
    use leptos::wasm_bindgen::JsCast;
    let Ok(links) = document().query_selector_all(".queue .row-link") else { return false };
    let count = links.length() as i32;
    if count == 0 {
        return false;
    }
    let active = document().active_element();
    let current = (0..count).find(|i| links.item(*i as u32).is_some_and(|node| active.as_ref().is_some_and(|a| node.is_same_node(Some(a)))));
    let next = match current {
        Some(i) => (i + step).clamp(0, count - 1),
        None if step > 0 => 0,
        None => count - 1,
    };
    let target = links.item(next as u32).and_then(|node| node.dyn_into::<leptos::web_sys::HtmlElement>().ok());
    target.is_some_and(|el| {
        let focused = el.focus().is_ok();
        el.scroll_into_view_with_bool(false);
        focused
    })
}
