//! Which pages a person may open: one table, used by the server before any HTML is sent and by the
//! app shell after client-side navigation.

use crate::domain::account::{Role, User};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageAccess {
    Allow,
    /// Not signed in: go to the login page, then come back.
    SignIn,
    /// Signed in, but this page is not for them (or they are already signed in): go here instead.
    Redirect(&'static str),
}

/// `path` is only the path part of the URL (no query).
pub fn page_access(path: &str, user: Option<&User>) -> PageAccess {
    let path = path.trim_end_matches('/');
    if path == "/login" || path == "/register" {
        return match user {
            Some(user) => PageAccess::Redirect(user.role.home_path()),
            None => PageAccess::Allow,
        };
    }
    if !is_under(path, "/app") {
        return PageAccess::Allow;
    }
    let Some(user) = user else { return PageAccess::SignIn };
    let allowed = if path == "/app" {
        false // `/app` itself only forwards to the role's home
    } else if is_under(path, "/app/admin") {
        user.role == Role::Admin
    } else if is_under(path, "/app/inbox") {
        user.role.is_staff()
    } else if is_under(path, "/app/tickets") {
        user.role == Role::User
    } else {
        true
    };
    if allowed { PageAccess::Allow } else { PageAccess::Redirect(user.role.home_path()) }
}

/// `/app/admin` and `/app/admin/users` are under `/app/admin`; `/app/administrator` is not.
fn is_under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// `/login?next=…` for a page that needs a session, the page's own path and query kept for later.
pub fn login_url_for(path_and_query: &str) -> String {
    let mut url = String::from("/login?next=");
    for byte in path_and_query.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => url.push(byte as char),
            _ => url.push_str(&format!("%{byte:02X}")),
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn someone(role: Role) -> User {
        User {
            id: 1,
            email: "a@example.com".into(),
            display_name: "A".into(),
            role,
            is_active: true,
            created_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn anonymous_visitors_are_sent_to_login_from_every_app_page() {
        for path in ["/app", "/app/", "/app/tickets", "/app/inbox/4", "/app/admin/users"] {
            assert_eq!(page_access(path, None), PageAccess::SignIn, "{path}");
        }
        for path in ["/", "/login", "/register", "/application"] {
            assert_eq!(page_access(path, None), PageAccess::Allow, "{path}");
        }
    }

    #[test]
    fn each_role_reaches_only_its_area() {
        let (user, agent, admin) = (someone(Role::User), someone(Role::Agent), someone(Role::Admin));
        let table = [
            ("/app/tickets/7", &user, PageAccess::Allow),
            ("/app/inbox", &user, PageAccess::Redirect("/app/tickets")),
            ("/app/admin", &user, PageAccess::Redirect("/app/tickets")),
            ("/app/inbox/3", &agent, PageAccess::Allow),
            ("/app/admin/agents", &agent, PageAccess::Redirect("/app/inbox")),
            ("/app/tickets", &agent, PageAccess::Redirect("/app/inbox")),
            ("/app/admin/users", &admin, PageAccess::Allow),
            ("/app/inbox", &admin, PageAccess::Allow),
            ("/app", &admin, PageAccess::Redirect("/app/admin")),
            ("/login", &agent, PageAccess::Redirect("/app/inbox")),
        ];
        for (path, who, expected) in table {
            assert_eq!(page_access(path, Some(who)), expected, "{path} as {:?}", who.role);
        }
    }

    #[test]
    fn login_url_keeps_the_destination_encoded() {
        assert_eq!(login_url_for("/app/inbox?status=open&x=a b"), "/login?next=/app/inbox%3Fstatus%3Dopen%26x%3Da%20b");
    }
}
