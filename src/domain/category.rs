//! Category types and input rules, shared by server and browser.

use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult, Problem, TextKind, refuse_control_chars};

pub const NAME_MAX_CHARS: usize = 60;
pub const DESCRIPTION_MAX_CHARS: usize = 500;
pub const DEFAULT_MESSAGE_MAX_CHARS: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Category {
    pub id: i64,
    pub name: String,
    pub description: String,
    /// Posted by the bot as a new ticket's first entry; empty: no bot message.
    pub default_message: String,
    /// Takes the category's new tickets unless the person has a responsible agent.
    pub default_agent_id: Option<i64>,
    pub default_agent_name: Option<String>,
    pub is_active: bool,
    pub position: i32,
}

/// A category as an admin writes it, after trimming and checking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryInput {
    pub name: String,
    pub description: String,
    pub default_message: String,
    pub default_agent_id: Option<i64>,
}

fn bounded(field: &str, text: &str, max: usize, what: TextKind) -> AppResult<String> {
    refuse_control_chars(field, text)?;
    let text = text.trim();
    if text.chars().count() > max {
        return Err(AppError::invalid(field, Problem::TooLong { text: what, max }));
    }
    Ok(text.to_owned())
}

pub fn validate_category(name: &str, description: &str, default_message: &str, default_agent_id: Option<i64>) -> AppResult<CategoryInput> {
    let name = bounded("name", name, NAME_MAX_CHARS, TextKind::CategoryName)?;
    if name.is_empty() {
        return Err(AppError::invalid("name", Problem::CategoryNameRequired));
    }
    Ok(CategoryInput {
        name,
        description: bounded("description", description, DESCRIPTION_MAX_CHARS, TextKind::CategoryDescription)?,
        default_message: bounded("default_message", default_message, DEFAULT_MESSAGE_MAX_CHARS, TextKind::FirstMessage)?,
        default_agent_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_required_and_texts_bounded() {
        let ok = validate_category("  Billing ", " Invoices ", "", None).unwrap();
        assert_eq!((ok.name.as_str(), ok.description.as_str()), ("Billing", "Invoices"));
        assert_eq!(validate_category(" ", "", "", None).unwrap_err().field.as_deref(), Some("name"));
        let long = "x".repeat(DEFAULT_MESSAGE_MAX_CHARS + 1);
        assert_eq!(validate_category("A", "", &long, None).unwrap_err().field.as_deref(), Some("default_message"));
        assert_eq!(validate_category("A\u{7}", "", "", None).unwrap_err().field.as_deref(), Some("name"));
    }
}
