//! The wire format of `NOTIFY myrelay_timeline`: committed entries travel to every node already
//! serialised as the frame sockets send, so a node fans them out without a query or a re-encode.
//!
//! A payload is a line `from <node id>` (0: every node delivers it, the sender included; otherwise
//! the sending node has already delivered it to its own sockets), then lines
//! `<ticket_id> <seq> <m|c> <frame JSON>` (`m` a message, `c` a status or assignment change).
//! An entry whose frame would not fit PostgreSQL's 8,000-byte payload travels as
//! `<ticket_id> <seq> r` and is loaded from the database by the receiving node.

use axum::extract::ws::Utf8Bytes;

use crate::domain::timeline::TimelineEntry;

pub const TIMELINE_CHANNEL: &str = "myrelay_timeline";
/// Below PostgreSQL's limit of 8,000 bytes per payload.
const PAYLOAD_LIMIT: usize = 7_800;

/// A committed entry as this node's sockets receive it: the frame is encoded once and shared.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub ticket_id: i64,
    pub seq: i64,
    pub is_change: bool,
    pub frame: Utf8Bytes,
}

impl Delivery {
    pub fn new(entry: TimelineEntry) -> Self {
        let (ticket_id, seq, is_change) = (entry.ticket_id(), entry.seq(), entry.is_change());
        let frame = serde_json::to_string(&entry.into_event()).unwrap_or_default();
        Self { ticket_id, seq, is_change, frame: frame.into() }
    }
}

/// One line of a received notice.
#[derive(Debug)]
pub enum Slot {
    Ready(Delivery),
    /// Too large to travel in the notice: load it.
    Missing { ticket_id: i64, seq: i64 },
}

/// The payloads announcing `entries` from node `origin` (as few as fit), in order.
pub fn encode(origin: i64, entries: &[Delivery]) -> Vec<String> {
    let header = format!("from {origin}");
    let mut payloads = Vec::new();
    let mut current = header.clone();
    for entry in entries {
        let kind = if entry.is_change { 'c' } else { 'm' };
        let mut line = format!("{} {} {kind} {}", entry.ticket_id, entry.seq, entry.frame.as_str());
        if header.len() + 1 + line.len() > PAYLOAD_LIMIT {
            line = format!("{} {} r", entry.ticket_id, entry.seq);
        }
        if current.len() + 1 + line.len() > PAYLOAD_LIMIT {
            payloads.push(std::mem::replace(&mut current, header.clone()));
        }
        current.push('\n');
        current.push_str(&line);
    }
    if current.len() > header.len() {
        payloads.push(current);
    }
    payloads
}

/// The sending node and the entries of one payload, in order; malformed lines are skipped (a
/// socket that misses an entry finds the gap at the next one and fills it from the database).
pub fn decode(payload: &str) -> (i64, Vec<Slot>) {
    let mut lines = payload.lines();
    let origin = lines.next().and_then(|l| l.strip_prefix("from ")).and_then(|n| n.parse().ok()).unwrap_or(0);
    (origin, lines.filter_map(decode_line).collect())
}

fn decode_line(line: &str) -> Option<Slot> {
    let mut parts = line.splitn(4, ' ');
    let ticket_id = parts.next()?.parse().ok()?;
    let seq = parts.next()?.parse().ok()?;
    let is_change = match parts.next()? {
        "r" => return Some(Slot::Missing { ticket_id, seq }),
        "c" => true,
        "m" => false,
        _ => return None,
    };
    let frame = parts.next()?;
    Some(Slot::Ready(Delivery { ticket_id, seq, is_change, frame: frame.to_owned().into() }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::Role;
    use crate::domain::ticket::{Message, PersonRef};

    fn message(seq: i64, content: &str) -> TimelineEntry {
        TimelineEntry::Message(Message {
            id: seq,
            ticket_id: 7,
            seq,
            client_id: Some(format!("c{seq}")),
            sender: PersonRef { id: 1, display_name: "Ann".into(), email: "ann@example.com".into() },
            sender_role: Role::User,
            content: content.into(),
            created_at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            attachments: Vec::new(),
        })
    }

    #[test]
    fn entries_round_trip_in_order_and_split_below_the_payload_limit() {
        let entries: Vec<TimelineEntry> = (1..=60).map(|seq| message(seq, &"line\nbreak ".repeat(20))).collect();
        let deliveries: Vec<Delivery> = entries.iter().cloned().map(Delivery::new).collect();
        let payloads = encode(42, &deliveries);
        assert!(payloads.len() > 1 && payloads.iter().all(|p| p.len() <= PAYLOAD_LIMIT));
        assert!(payloads.iter().all(|p| decode(p).0 == 42), "each payload names its origin");
        let decoded: Vec<Slot> = payloads.iter().flat_map(|p| decode(p).1).collect();
        assert_eq!(decoded.len(), 60);
        for (slot, entry) in decoded.iter().zip(&entries) {
            let Slot::Ready(delivery) = slot else { panic!("every entry fits") };
            assert_eq!((delivery.ticket_id, delivery.seq, delivery.is_change), (7, entry.seq(), false));
            let expected = serde_json::to_string(&entry.clone().into_event()).unwrap();
            assert_eq!(delivery.frame.as_str(), expected);
        }
    }

    #[test]
    fn an_entry_too_large_for_a_notice_travels_as_a_reference() {
        let entries = [message(1, "small"), message(2, &"é".repeat(4_000)), message(3, "small")].map(Delivery::new);
        let decoded: Vec<Slot> = encode(0, &entries).iter().flat_map(|p| decode(p).1).collect();
        assert!(matches!(decoded.as_slice(), [Slot::Ready(_), Slot::Missing { ticket_id: 7, seq: 2 }, Slot::Ready(_)]));
    }
}
