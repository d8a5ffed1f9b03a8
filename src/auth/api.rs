//! The account server functions, at stable paths under `/api/auth/` (documented in docs/api.md).
//! Each is a thin shell: the work happens in `auth::server`.

use leptos::prelude::*;

use crate::codec::{Form, Query};

use crate::domain::account::User;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {crate::domain::account::safe_next_path, super::server, crate::ui::flash::with_status, crate::server::state::AppState};

// How each function's arguments travel (src/codec.rs).
crate::server_arguments!(Form: Register, Login, Logout);
crate::server_arguments!(Query: Me);

/// Creates a `user` account, signs it in and sends it to its home.
#[server(prefix = "/api/auth", endpoint = "register", input = Form, output = crate::codec::Json)]
pub async fn register(email: String, display_name: String, password: String) -> Result<User, AppError> {
    let result = with_status(
        async {
            let state = AppState::from_context()?;
            let account = crate::domain::account::validate_new_account(&email, &display_name, &password)?;
            let user = server::register(&state, account).await?;
            server::set_cookie(server::start_session(&state, user.id).await?);
            leptos_axum::redirect(user.role.home_path());
            Ok(user)
        }
        .await,
    );
    crate::ui::flash::after_form(result, |_| None, [("display_name", display_name), ("email", email)])
}

/// Signs in and sends the person to `next` (a path on this site) or their role's home.
#[server(prefix = "/api/auth", endpoint = "login", input = Form, output = crate::codec::Json)]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<User, AppError> {
    let result = with_status(
        async {
            let state = AppState::from_context()?;
            let client = server::client_addr(&state);
            let user = server::authenticate(&state, &email, password, &client).await?;
            server::set_cookie(server::start_session(&state, user.id).await?);
            let destination = safe_next_path(next.as_deref()).unwrap_or_else(|| user.role.home_path().to_owned());
            leptos_axum::redirect(&destination);
            Ok(user)
        }
        .await,
    );
    crate::ui::flash::after_form(result, |_| None, [("email", email)])
}

/// Ends the session (its row is deleted, so the token is dead everywhere) and clears the cookie.
#[server(prefix = "/api/auth", endpoint = "logout", input = Form, output = crate::codec::Json)]
pub async fn logout() -> Result<(), AppError> {
    with_status(
        async {
            let state = AppState::from_context()?;
            server::end_session(&state).await?;
            server::clear_cookie(&state);
            leptos_axum::redirect("/login?signed_out=1");
            Ok(())
        }
        .await,
    )
}

/// The signed-in user, or `null` when there is no valid session.
#[server(prefix = "/api/auth", endpoint = "me", input = Query, output = crate::codec::Json)]
pub async fn me() -> Result<Option<User>, AppError> {
    Ok(server::current_session().map(|session| session.user))
}
