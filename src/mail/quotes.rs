//! What a customer wrote in a reply, without the history their mail program quoted under (or
//! above) it and without their signature.

/// The reply's own text: everything before the first line that starts quoted history ("On … wrote:",
/// "El … escribió:", Outlook's "-----Original Message-----" or "From:/Sent:" block), with quoted
/// (`>`) lines and a `-- ` signature removed, trimmed.
pub fn strip_quoted(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let lines: Vec<&str> = text.lines().collect();
    let mut kept: Vec<&str> = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let trimmed = line.trim();
        let next = lines.get(index + 1).map_or("", |l| l.trim());
        if starts_history(trimmed, next) || trimmed == "--" && line.starts_with("-- ") || *line == "-- " {
            break;
        }
        if trimmed.starts_with('>') {
            continue;
        }
        kept.push(line.trim_end());
    }
    let mut out = kept.join("\n");
    // Blank lines left where quoted lines were.
    while out.contains("\n\n\n") {
        out = out.replace("\n\n\n", "\n\n");
    }
    out.trim().to_owned()
}

/// Where mail programs start the quoted history in HTML: Gmail, Outlook, Thunderbird, Apple
/// Mail, Yahoo, and any `<blockquote>`.
const HTML_HISTORY: [&str; 7] =
    ["class=\"gmail_quote", "id=\"appendonsend", "id=\"divrplyfwdmsg", "class=\"moz-cite-prefix", "type=\"cite", "class=\"yahoo_quoted", "<blockquote"];

/// An HTML-only mail's text: cut where the quoted history starts, blocks and breaks as lines,
/// tags gone, the common entities decoded.
pub fn html_to_text(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let mut end = HTML_HISTORY.iter().filter_map(|marker| lower.find(marker)).min().unwrap_or(html.len());
    // Cut at the start of the tag holding the marker.
    if end < html.len() {
        end = lower[..end].rfind('<').unwrap_or(end);
    }
    let (html, lower) = (&html[..end], &lower[..end]);
    let mut text = String::with_capacity(html.len());
    let mut rest = 0;
    while let Some(open) = lower[rest..].find('<').map(|i| rest + i) {
        text.push_str(&html[rest..open]);
        let Some(close) = lower[open..].find('>').map(|i| open + i) else {
            rest = html.len();
            break;
        };
        let tag = &lower[open + 1..close];
        let name: String = tag.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        // Nothing inside these is text.
        if !tag.starts_with('/') && ["style", "script", "head", "title"].contains(&name.as_str()) {
            rest = lower[close..].find(&format!("</{name}")).map_or(html.len(), |i| close + i);
            continue;
        }
        if ["br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"].contains(&name.as_str()) {
            text.push('\n');
        }
        rest = close + 1;
    }
    text.push_str(&html[rest.min(html.len())..]);
    let text = decode_entities(&text);
    text.lines().map(str::trim).collect::<Vec<_>>().join("\n")
}

fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let entity = after.find(';').filter(|&end| end <= 10).map(|end| &after[1..end]);
        let decoded = entity.and_then(|name| match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")).map_or_else(
                || name.strip_prefix('#').and_then(|n| n.parse().ok()).and_then(char::from_u32),
                |hex| u32::from_str_radix(hex, 16).ok().and_then(char::from_u32),
            ),
        });
        match (entity, decoded) {
            (Some(name), Some(c)) => {
                out.push(c);
                rest = &after[name.len() + 2..];
            }
            _ => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn starts_history(line: &str, next: &str) -> bool {
    let lower = line.to_lowercase();
    let wrote_line = |l: &str| {
        let l = l.to_lowercase();
        l.ends_with("wrote:") || l.ends_with("escribió:") || l.ends_with("a écrit :") || l.ends_with("schrieb:")
    };
    (lower.starts_with("on ") || lower.starts_with("el ") || lower.starts_with("le ") || lower.starts_with("am "))
        && (wrote_line(line) || wrote_line(next) && !next.is_empty())
        || lower.starts_with("-----original message-----")
        || lower.starts_with("-----mensaje original-----")
        || lower.starts_with("________________________________")
        || (lower.starts_with("from:") || lower.starts_with("de:"))
            && (next.to_lowercase().starts_with("sent:") || next.to_lowercase().starts_with("enviado:") || next.to_lowercase().starts_with("date:"))
}

#[cfg(test)]
mod tests {
    use super::strip_quoted;

    #[test]
    fn gmail_style_history_under_the_reply_goes() {
        let mail = "Thanks, that worked!\n\nOn Mon, 7 Dec 2026 at 10:00, Support <reply+1-2-x@example.com> wrote:\n> Ana answered your request:\n> try again\n";
        assert_eq!(strip_quoted(mail), "Thanks, that worked!");
    }

    #[test]
    fn a_wrote_line_broken_in_two_still_starts_history() {
        let mail = "Yes please.\r\n\r\nOn Mon, 7 Dec 2026 at 10:00, Support Team <reply+1-2-x@example.com>\r\nwrote:\r\n> old\r\n";
        assert_eq!(strip_quoted(mail), "Yes please.");
    }

    #[test]
    fn spanish_outlook_and_signatures() {
        assert_eq!(strip_quoted("Gracias.\n\nEl lun, 7 dic 2026 a las 10:00, Soporte escribió:\n> hola"), "Gracias.");
        assert_eq!(strip_quoted("Fine.\n\n-----Original Message-----\nFrom: Support\nold text"), "Fine.");
        assert_eq!(strip_quoted("Fine.\n\nFrom: Support <s@example.com>\nSent: Monday\nSubject: x\n\nold"), "Fine.");
        assert_eq!(strip_quoted("Fine.\n-- \nAna Pérez\nACME"), "Fine.");
    }

    #[test]
    fn html_mails_lose_their_quoted_history_and_keep_their_lines() {
        let gmail = "<div dir=\"ltr\">Still <b>broken</b><div>second&nbsp;line &amp; more</div></div><br><div class=\"gmail_quote\"><div>On Mon, Support wrote:</div><blockquote>old</blockquote></div>";
        assert_eq!(strip_quoted(&super::html_to_text(gmail)), "Still broken\nsecond line & more");
        let outlook = "<html><head><style>p{color:red}</style></head><body><p>Gracias &#233;xito</p><div id=\"appendonsend\"></div><hr><div id=\"divRplyFwdMsg\">De: Soporte</div></body></html>";
        assert_eq!(strip_quoted(&super::html_to_text(outlook)), "Gracias éxito");
        assert_eq!(super::html_to_text("a &unknown; b & c"), "a &unknown; b & c");
    }

    #[test]
    fn what_the_customer_wrote_stays_whole() {
        let mail = "Line one\nline two\n\nOn the other hand, from: my side it still fails.\n\n> quoted in the middle\nmy answer to it";
        assert_eq!(strip_quoted(mail), "Line one\nline two\n\nOn the other hand, from: my side it still fails.\n\nmy answer to it");
    }
}
