//! Account types and input rules shared by server and browser.

use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult, Problem, TextKind, refuse_control_chars};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "user_role", rename_all = "lowercase"))]
pub enum Role {
    User,
    Agent,
    Admin,
    /// MyRelay's own account (`migrations/0006_system_account.sql`): the bot's messages and the
    /// assignments made at creation. Nobody has this role; it is not in `ALL`.
    System,
}

impl Role {
    /// The roles a person can have.
    pub const ALL: [Role; 3] = [Role::User, Role::Agent, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Agent => "agent",
            Role::Admin => "admin",
            Role::System => "system",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }

    /// Where `/app` sends a person of this role.
    pub fn home_path(self) -> &'static str {
        match self {
            Role::User => "/app/tickets",
            Role::Agent => "/app/inbox",
            Role::Admin => "/app/admin",
            Role::System => "/",
        }
    }

    /// Staff see the queue; users see only their own tickets.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Agent | Role::Admin)
    }
}

/// A signed-in person, as the app shows them. Never carries the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub is_active: bool,
    #[serde(deserialize_with = "crate::domain::timestamp::read")]
    pub created_at: chrono::DateTime<chrono::Utc>,
}

pub const PASSWORD_MIN_CHARS: usize = 8;
/// Bounds the work one login can cost the server (argon2 hashes the whole input).
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const DISPLAY_NAME_MAX_CHARS: usize = 80;
pub const EMAIL_MAX_CHARS: usize = 254;

/// Registration input after trimming and checking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub email: String,
    pub display_name: String,
    pub password: String,
}

/// Checks registration input; the first problem found is returned, naming its field.
pub fn validate_new_account(email: &str, display_name: &str, password: &str) -> AppResult<NewAccount> {
    let email = normalize_email(email)?;
    refuse_control_chars("display_name", display_name)?;
    let display_name = display_name.trim();
    if display_name.is_empty() {
        return Err(AppError::invalid("display_name", Problem::NameRequired));
    }
    if display_name.chars().count() > DISPLAY_NAME_MAX_CHARS {
        return Err(AppError::invalid("display_name", Problem::TooLong { text: TextKind::DisplayName, max: DISPLAY_NAME_MAX_CHARS }));
    }
    validate_password(password)?;
    Ok(NewAccount { email, display_name: display_name.to_owned(), password: password.to_owned() })
}

pub fn validate_password(password: &str) -> AppResult<()> {
    refuse_control_chars("password", password)?;
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(AppError::invalid("password", Problem::PasswordTooShort { min: PASSWORD_MIN_CHARS }));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(AppError::invalid("password", Problem::PasswordTooLong { max: PASSWORD_MAX_CHARS }));
    }
    Ok(())
}

/// Trims an email and checks its shape: one `@`, something before it, a dotted domain after it,
/// no spaces. Case is kept as typed; uniqueness is case-insensitive in the database.
pub fn normalize_email(email: &str) -> AppResult<String> {
    let email = email.trim();
    let invalid = || AppError::invalid("email", Problem::EmailInvalid);
    if email.is_empty() {
        return Err(AppError::invalid("email", Problem::EmailRequired));
    }
    if email.chars().count() > EMAIL_MAX_CHARS || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
    let domain_ok = domain.contains('.')
        && !domain.contains('@')
        && domain.split('.').all(|label| !label.is_empty());
    if local.is_empty() || !domain_ok {
        return Err(invalid());
    }
    Ok(email.to_owned())
}

/// Accepts a post-login destination only if it is a path on this site (no `//evil.example`),
/// so `?next=` cannot be used to send people elsewhere.
pub fn safe_next_path(next: Option<&str>) -> Option<String> {
    let next = next?.trim();
    let is_local = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\');
    (is_local && !next.chars().any(char::is_control)).then(|| next.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn accepts_and_trims_a_good_account() {
        let account = validate_new_account("  Ann@Example.com ", " Ann ", "correct horse").unwrap();
        assert_eq!(account.email, "Ann@Example.com");
        assert_eq!(account.display_name, "Ann");
    }

    #[test]
    fn names_the_field_that_is_wrong() {
        for (email, name, password, field) in [
            ("", "Ann", "longenough", "email"),
            ("ann", "Ann", "longenough", "email"),
            ("ann@example", "Ann", "longenough", "email"),
            ("a nn@example.com", "Ann", "longenough", "email"),
            ("ann@@example.com", "Ann", "longenough", "email"),
            ("ann@example.com", "   ", "longenough", "display_name"),
            ("ann@example.com", "Ann", "short", "password"),
        ] {
            let err = validate_new_account(email, name, password).unwrap_err();
            assert_eq!(err.code, ErrorCode::Validation);
            assert_eq!(err.field.as_deref(), Some(field), "{email:?} {name:?} {password:?}");
        }
        let long = "x".repeat(PASSWORD_MAX_CHARS + 1);
        assert!(validate_new_account("ann@example.com", "Ann", &long).is_err());
    }

    #[test]
    fn next_path_must_stay_on_the_site() {
        assert_eq!(safe_next_path(Some("/app/inbox?x=1")).as_deref(), Some("/app/inbox?x=1"));
        for bad in ["//evil.example", "https://evil.example", "/\\evil.example", "app", ""] {
            assert_eq!(safe_next_path(Some(bad)), None, "{bad}");
        }
        assert_eq!(safe_next_path(None), None);
    }

    #[test]
    fn each_role_has_a_home() {
        assert_eq!(Role::parse("agent"), Some(Role::Agent));
        assert_eq!(Role::parse("root"), None);
        assert_eq!(Role::Admin.home_path(), "/app/admin");
    }
}
