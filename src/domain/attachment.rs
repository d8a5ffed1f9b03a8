//! What the timeline and the browser know of an attachment (never its bytes).

use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult, Problem};

/// At most this many files go with one message.
pub const MAX_PER_MESSAGE: usize = 10;
pub const NAME_MAX_CHARS: usize = 200;
/// Files one person may hold uploaded but unsent: what one can make the server store unasked.
pub const MAX_UNSENT: i64 = 2 * MAX_PER_MESSAGE as i64;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Attachment {
    pub id: i64,
    /// In the links: `/api/attachments/<token>` (and `/thumbnail`).
    pub token: String,
    pub name: String,
    pub size_bytes: i64,
    /// Sniffed from the bytes.
    pub content_type: String,
    pub has_thumbnail: bool,
}

impl Attachment {
    pub fn url(&self) -> String {
        format!("/api/attachments/{}", self.token)
    }

    pub fn thumbnail_url(&self) -> Option<String> {
        self.has_thumbnail.then(|| format!("/api/attachments/{}/thumbnail", self.token))
    }
}

/// Attachment ids as forms send them: `"3,4"` (empty: none), checked by [`check_ids`].
pub fn parse_ids(text: Option<&str>) -> AppResult<Vec<i64>> {
    let invalid = |problem: Problem| AppError::invalid("attachment_ids", problem);
    let ids = text
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| id.parse::<i64>().map_err(|_| invalid(Problem::AttachmentIdsNotNumbers)))
        .collect::<Result<Vec<i64>, _>>()?;
    check_ids(&ids)?;
    Ok(ids)
}

/// At most [`MAX_PER_MESSAGE`] files with one message, each once (forms and socket sends alike).
pub fn check_ids(ids: &[i64]) -> AppResult<()> {
    let invalid = |problem: Problem| AppError::invalid("attachment_ids", problem);
    if ids.len() > MAX_PER_MESSAGE {
        return Err(invalid(Problem::TooManyFiles { max: MAX_PER_MESSAGE }));
    }
    if ids.iter().enumerate().any(|(i, id)| ids[..i].contains(id)) {
        return Err(invalid(Problem::FileTwice));
    }
    Ok(())
}

/// "532 B", "14 KB", "2.4 MB": sizes as people read them.
pub fn human_size(bytes: i64) -> String {
    // Integer arithmetic, rounded half up: formatting a float would bring Rust's float printing
    // (about 20 KB of code) into the browser's bundle for this alone.
    const KB: i64 = 1000;
    if bytes < KB {
        format!("{bytes} B")
    } else if bytes < KB * KB {
        format!("{} KB", (bytes + KB / 2) / KB)
    } else {
        let tenths = (bytes + KB * KB / 20) / (KB * KB / 10);
        format!("{}.{} MB", tenths / 10, tenths % 10)
    }
}

/// A file name as people may see and save it: the last path segment, without control characters
/// or characters that mean something to file systems and headers, at most [`NAME_MAX_CHARS`].
pub fn sanitize_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .map(|c| if c.is_control() || matches!(c, '"' | '<' | '>' | ':' | '|' | '?' | '*' | ';') { '_' } else { c })
        .take(NAME_MAX_CHARS)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() { "file".to_owned() } else { cleaned.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_paths_and_dangerous_characters() {
        assert_eq!(sanitize_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_name("C:\\Users\\me\\report \"final\".pdf"), "report _final_.pdf");
        assert_eq!(sanitize_name("a\u{0}b\r\n.txt"), "a_b__.txt");
        assert_eq!(sanitize_name(".."), "file");
        assert_eq!(sanitize_name(".hidden"), "hidden");
        assert_eq!(sanitize_name(&"x".repeat(300)).chars().count(), NAME_MAX_CHARS);
    }

    #[test]
    fn sizes_read_like_people_say_them() {
        assert_eq!((human_size(532), human_size(14_200), human_size(2_400_000)), ("532 B".into(), "14 KB".into(), "2.4 MB".into()));
    }
}
