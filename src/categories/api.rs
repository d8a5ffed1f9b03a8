//! Category server functions: admins manage them under `/api/admin/categories/`; anyone signed in
//! reads the active ones (`/api/tickets/categories`) to open a ticket. See docs/api.md.

use leptos::prelude::*;

use crate::codec::{Form, Query};
use crate::domain::category::Category;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {
    super::repo, crate::domain::category::validate_category,
    crate::domain::account::Role,
    crate::auth::server::{require_role, require_user},
    crate::error::{ErrorCode, Problem}, crate::ui::flash::with_status,
    crate::server::state::AppState,
};

crate::server_arguments!(Query: ListCategories, ActiveCategories);
crate::server_arguments!(Form: CreateCategory, UpdateCategory, SetCategoryActive, MoveCategory);

/// Every category, inactive ones included, in order.
#[server(prefix = "/api/admin/categories", endpoint = "list", input = Query, output = crate::codec::Json)]
pub async fn list_categories() -> Result<Vec<Category>, AppError> {
    with_status(
        async {
            require_role(&[Role::Admin])?;
            repo::list(&AppState::from_context()?.pool, true).await
        }
        .await,
    )
}

/// The categories a ticket can be opened in, in order. People who are not staff do not see
/// which agent takes each.
#[server(prefix = "/api/tickets", endpoint = "categories", input = Query, output = crate::codec::Json)]
pub async fn active_categories() -> Result<Vec<Category>, AppError> {
    with_status(
        async {
            let user = require_user()?;
            let mut categories = repo::list(&AppState::from_context()?.pool, false).await?;
            if !user.role.is_staff() {
                for category in &mut categories {
                    (category.default_agent_id, category.default_agent_name) = (None, None);
                }
            }
            Ok(categories)
        }
        .await,
    )
}

#[server(prefix = "/api/admin/categories", endpoint = "create", input = Form, output = crate::codec::Json)]
pub async fn create_category(
    name: String,
    description: Option<String>,
    default_message: Option<String>,
    default_agent_id: Option<i64>,
) -> Result<Category, AppError> {
    let result = with_status(
        async {
            let admin = require_role(&[Role::Admin])?;
            let input = validate_category(
                &name,
                description.as_deref().unwrap_or_default(),
                default_message.as_deref().unwrap_or_default(),
                default_agent_id,
            )?;
            repo::create(&AppState::from_context()?.pool, &admin, &input).await
        }
        .await,
    );
    let typed = [
        ("name", name),
        ("description", description.unwrap_or_default()),
        ("default_message", default_message.unwrap_or_default()),
        ("default_agent_id", default_agent_id.map(|id| id.to_string()).unwrap_or_default()),
    ];
    crate::ui::flash::after_form(result, |_| None, typed)
}

/// Replaces a category's name, texts and default agent (all of them: a missing text is empty).
#[server(prefix = "/api/admin/categories", endpoint = "update", input = Form, output = crate::codec::Json)]
pub async fn update_category(
    id: i64,
    name: String,
    description: Option<String>,
    default_message: Option<String>,
    default_agent_id: Option<i64>,
) -> Result<Category, AppError> {
    with_status(
        async {
            let admin = require_role(&[Role::Admin])?;
            let input = validate_category(
                &name,
                description.as_deref().unwrap_or_default(),
                default_message.as_deref().unwrap_or_default(),
                default_agent_id,
            )?;
            repo::update(&AppState::from_context()?.pool, &admin, id, &input).await?.ok_or_else(not_found)
        }
        .await,
    )
}

/// Deactivated categories are no longer offered; tickets keep theirs.
#[server(prefix = "/api/admin/categories", endpoint = "set-active", input = Form, output = crate::codec::Json)]
pub async fn set_category_active(id: i64, active: bool) -> Result<Category, AppError> {
    with_status(
        async {
            let admin = require_role(&[Role::Admin])?;
            repo::set_active(&AppState::from_context()?.pool, &admin, id, active).await?.ok_or_else(not_found)
        }
        .await,
    )
}

/// Moves a category one place `up` or `down`; answers the whole list in its new order.
#[server(prefix = "/api/admin/categories", endpoint = "move", input = Form, output = crate::codec::Json)]
pub async fn move_category(id: i64, direction: String) -> Result<Vec<Category>, AppError> {
    with_status(
        async {
            let admin = require_role(&[Role::Admin])?;
            let up = match direction.as_str() {
                "up" => true,
                "down" => false,
                _ => return Err(AppError::invalid("direction", Problem::UnknownDirection)),
            };
            repo::move_category(&AppState::from_context()?.pool, &admin, id, up).await?.ok_or_else(not_found)
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
fn not_found() -> AppError {
    AppError::new(ErrorCode::NotFound, Problem::NoSuchCategory)
}
