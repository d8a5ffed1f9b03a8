use leptos::prelude::*;
use leptos_meta::Title;

use crate::auth::model::User;

/// `/app/tickets`: a user's home. The ticket list arrives with the Tickets issue.
#[component]
pub fn MyTicketsPage() -> impl IntoView {
    let user = expect_context::<User>();
    view! {
        <Title text="My tickets" />
        <h1>"My tickets"</h1>
        <p class="lead">{format!("Welcome, {}.", user.display_name)}</p>
        <div class="empty-state">
            <p>"You have no tickets yet."</p>
            <p class="muted">"Opening tickets arrives in the next release of MyRelay."</p>
        </div>
    }
}

/// `/app/inbox`: an agent's home. The queue arrives with the Tickets issue.
#[component]
pub fn InboxPage() -> impl IntoView {
    let user = expect_context::<User>();
    view! {
        <Title text="Inbox" />
        <h1>"Inbox"</h1>
        <p class="lead">{format!("Welcome, {}.", user.display_name)}</p>
        <div class="empty-state">
            <p>"No tickets in the queue."</p>
            <p class="muted">"The ticket queue arrives in the next release of MyRelay."</p>
        </div>
    }
}
