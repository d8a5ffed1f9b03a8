//! The type of a file, from its first bytes (never from the client's word or the name).

/// The image types MyRelay makes thumbnails of.
pub const IMAGE_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// How many leading bytes [`content_type`] looks at.
pub const HEAD_BYTES: usize = 512;

pub fn content_type(head: &[u8]) -> &'static str {
    let starts = |magic: &[u8]| head.starts_with(magic);
    if starts(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if starts(b"\xff\xd8\xff") {
        "image/jpeg"
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        "image/gif"
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        "image/webp"
    } else if starts(b"%PDF-") {
        "application/pdf"
    } else if starts(b"PK\x03\x04") {
        "application/zip"
    } else if starts(b"\x1f\x8b") {
        "application/gzip"
    } else if looks_like_text(head) {
        "text/plain; charset=utf-8"
    } else {
        "application/octet-stream"
    }
}

/// UTF-8 without control characters other than whitespace (a cut-off last character is fine).
fn looks_like_text(head: &[u8]) -> bool {
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(err) if err.error_len().is_none() => std::str::from_utf8(&head[..err.valid_up_to()]).unwrap_or_default(),
        Err(_) => return false,
    };
    !text.chars().any(|c| c.is_control() && !c.is_whitespace())
}

pub fn is_image(content_type: &str) -> bool {
    IMAGE_TYPES.contains(&content_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(content_type(b"\x89PNG\r\n\x1a\n...."), "image/png");
        assert_eq!(content_type(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(content_type(b"RIFF\0\0\0\0WEBPVP8 "), "image/webp");
        assert_eq!(content_type("plain words, ñ".as_bytes()), "text/plain; charset=utf-8");
        // An HTML page is served as text at most, never as a page of this site.
        assert_eq!(content_type(b"<html><script>alert(1)</script>"), "text/plain; charset=utf-8");
        assert_eq!(content_type(b"\0\x01\x02binary"), "application/octet-stream");
    }
}
