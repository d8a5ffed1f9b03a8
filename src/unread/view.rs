//! The unread badge, as lists and the navigation show it.

use leptos::prelude::*;

use crate::domain::unread::badge;

/// "3" on a badge (nothing when there is nothing unread); read aloud as "3 unread". `count` is a
/// plain closure over the live client's signals: a list row's own reactive values may be gone
/// while the client's change still reaches the badge.
#[component]
pub fn UnreadBadge(count: impl Fn() -> i64 + Send + Sync + 'static) -> impl IntoView {
    let t = &crate::i18n::t().common;
    move || {
        let count = count();
        (count > 0).then(|| {
            let text = badge(count);
            let label = (t.unread_count)(&text);
            view! { <span class="unread-badge" aria-label=label data-testid="unread">{text}</span> }
        })
    }
}
