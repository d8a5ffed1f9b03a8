use leptos::prelude::*;
use leptos_meta::Title;

use crate::auth::model::User;

/// `/app/admin`: an admin's home.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let user = expect_context::<User>();
    view! {
        <Title text="Dashboard" />
        <h1>"Dashboard"</h1>
        <p class="lead">{format!("Welcome, {}.", user.display_name)}</p>
        <div class="empty-state">
            <p>"System statistics arrive in the next release of MyRelay."</p>
        </div>
    }
}
