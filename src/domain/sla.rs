//! Service-level targets: per priority, how soon staff first reply to a ticket and resolve it;
//! and where a ticket stands against them. Shared by server and browser: both work out a clock's
//! state from the same fields, the browser with its own clock ticking.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::priority::Priority;
use crate::error::{AppError, AppResult, Problem};

/// A target can be at most a year.
pub const TARGET_MAX_MINUTES: i32 = 525_600;

/// The targets for one priority; `None`: no target of that kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPolicy {
    pub priority: Priority,
    pub first_response_minutes: Option<i32>,
    pub resolution_minutes: Option<i32>,
}

/// The settings form's field names: (priority, first response, resolution), most urgent first.
pub const FORM_FIELDS: [(Priority, &str, &str); 4] = [
    (Priority::Urgent, "urgent_first_response", "urgent_resolution"),
    (Priority::High, "high_first_response", "high_resolution"),
    (Priority::Normal, "normal_first_response", "normal_resolution"),
    (Priority::Low, "low_first_response", "low_resolution"),
];

/// Reads a target as admins write it: "30m", "4h", "2d", "1d 4h", "1h30m", or bare minutes
/// ("90"). Blank means no target.
pub fn parse_duration(field: &'static str, text: &str) -> AppResult<Option<i32>> {
    let invalid = || AppError::invalid(field, Problem::DurationUnreadable);
    let text = text.trim().to_ascii_lowercase();
    if text.is_empty() {
        return Ok(None);
    }
    if let Ok(minutes) = text.parse::<i64>() {
        return in_range(field, minutes).map(Some);
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    let mut any_unit = false;
    for c in text.chars() {
        match c {
            '0'..='9' => digits.push(c),
            'd' | 'h' | 'm' => {
                let amount: i64 = digits.parse().map_err(|_| invalid())?;
                digits.clear();
                let per_unit = match c {
                    'd' => 24 * 60,
                    'h' => 60,
                    _ => 1,
                };
                total = total.saturating_add(amount.saturating_mul(per_unit));
                any_unit = true;
            }
            ' ' if digits.is_empty() => {}
            _ => return Err(invalid()),
        }
    }
    if !digits.is_empty() || !any_unit {
        return Err(invalid());
    }
    in_range(field, total).map(Some)
}

fn in_range(field: &'static str, minutes: i64) -> AppResult<i32> {
    if !(1..=i64::from(TARGET_MAX_MINUTES)).contains(&minutes) {
        return Err(AppError::invalid(field, Problem::DurationOutOfRange));
    }
    Ok(minutes as i32)
}

/// A target as the settings show it, in the form `parse_duration` reads: "1d 4h", "30m".
pub fn format_duration(minutes: i32) -> String {
    let (days, hours, mins) = (minutes / (24 * 60), minutes / 60 % 24, minutes % 60);
    let parts: Vec<String> = [(days, "d"), (hours, "h"), (mins, "m")]
        .into_iter()
        .filter(|(amount, _)| *amount > 0)
        .map(|(amount, unit)| format!("{amount}{unit}"))
        .collect();
    parts.join(" ")
}

/// A ticket's clocks, as staff see them (customers never get them).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TicketSla {
    pub first_response: Option<SlaClock>,
    pub resolution: Option<SlaClock>,
    /// Since when the clocks stand still: the ticket is resolved or closed.
    #[serde(default, deserialize_with = "crate::domain::timestamp::read_optional")]
    pub paused_at: Option<DateTime<Utc>>,
    /// The server's time when this was read: what a page shows until the browser's clock runs.
    #[serde(deserialize_with = "crate::domain::timestamp::read")]
    pub checked_at: DateTime<Utc>,
}

/// One target: when it is due, and when it was reached, if it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SlaClock {
    #[serde(deserialize_with = "crate::domain::timestamp::read")]
    pub due_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "crate::domain::timestamp::read_optional")]
    pub met_at: Option<DateTime<Utc>>,
}

/// Where one clock stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockState {
    /// Reached: in time, or late.
    Done { at: DateTime<Utc>, late: bool },
    /// Still running, this many milliseconds left.
    Running { left_ms: i64 },
    /// Stopped (the ticket is resolved or closed) with this much left.
    Paused { left_ms: i64 },
    /// Past due by this many milliseconds (counted up to the stop, if the clock is stopped).
    Overdue { by_ms: i64 },
}

/// Which target a clock measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    FirstResponse,
    Resolution,
}

impl ClockState {
    pub fn is_breached(self) -> bool {
        matches!(self, Self::Overdue { .. } | Self::Done { late: true, .. })
    }
}

/// Less than this left and the clock shows as due soon.
pub const DUE_SOON_MS: i64 = 60 * 60 * 1000;

impl TicketSla {
    pub fn clock(&self, target: Target) -> Option<&SlaClock> {
        match target {
            Target::FirstResponse => self.first_response.as_ref(),
            Target::Resolution => self.resolution.as_ref(),
        }
    }

    /// Where `target`'s clock stands at `now` (None: no such target).
    pub fn state(&self, target: Target, now: DateTime<Utc>) -> Option<ClockState> {
        let clock = self.clock(target)?;
        if let Some(at) = clock.met_at {
            return Some(ClockState::Done { at, late: at > clock.due_at });
        }
        let left_ms = (clock.due_at - self.paused_at.unwrap_or(now)).num_milliseconds();
        Some(match (left_ms, self.paused_at) {
            (..0, _) => ClockState::Overdue { by_ms: -left_ms },
            (_, Some(_)) => ClockState::Paused { left_ms },
            (_, None) => ClockState::Running { left_ms },
        })
    }

    /// A target was missed (or is being missed) at `now`.
    pub fn is_breached(&self, now: DateTime<Utc>) -> bool {
        [Target::FirstResponse, Target::Resolution].into_iter().any(|target| self.state(target, now).is_some_and(ClockState::is_breached))
    }

    /// The clock a list shows: the first target still running (or overdue), else the one missed,
    /// else none.
    pub fn headline(&self, now: DateTime<Utc>) -> Option<(Target, ClockState)> {
        let states = [Target::FirstResponse, Target::Resolution].map(|target| self.state(target, now).map(|state| (target, state)));
        let pending = |(_, state): &(Target, ClockState)| matches!(state, ClockState::Running { .. } | ClockState::Overdue { .. });
        let missed = |(_, state): &(Target, ClockState)| state.is_breached();
        states.iter().flatten().find(|s| pending(s)).or_else(|| states.iter().flatten().find(|s| missed(s))).copied()
    }

    /// The next due time of a running clock, as `tickets.sla_next_due_at` stores it (None:
    /// "infinity"); the "due soonest" order's cursor.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        if self.paused_at.is_some() {
            return None;
        }
        let first = self.first_response.filter(|clock| clock.met_at.is_none()).map(|clock| clock.due_at);
        let resolution = self.resolution.map(|clock| clock.due_at);
        first.into_iter().chain(resolution).min()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    #[test]
    fn targets_read_as_admins_write_them() {
        let parse = |text| parse_duration("t", text);
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("  ").unwrap(), None);
        assert_eq!(parse("90").unwrap(), Some(90));
        assert_eq!(parse("30m").unwrap(), Some(30));
        assert_eq!(parse("4h").unwrap(), Some(240));
        assert_eq!(parse("2D").unwrap(), Some(2880));
        assert_eq!(parse("1h 30m").unwrap(), Some(90));
        assert_eq!(parse("1d4h").unwrap(), Some(1680));
        for bad in ["h", "4x", "1.5h", "-3h", "4h 5", "0", "0m", "366d", "99999999999999999999d"] {
            assert!(parse(bad).is_err(), "{bad} should be refused");
        }
        for minutes in [1, 59, 60, 90, 1440, 1680, 2880 + 61, TARGET_MAX_MINUTES] {
            assert_eq!(parse_duration("t", &format_duration(minutes)).unwrap(), Some(minutes));
        }
        assert_eq!(format_duration(1680), "1d 4h");
    }

    #[test]
    fn clocks_run_stop_and_are_missed() {
        let start = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let minutes = |n| start + TimeDelta::minutes(n);
        let mut sla = TicketSla {
            first_response: Some(SlaClock { due_at: minutes(60), met_at: None }),
            resolution: Some(SlaClock { due_at: minutes(240), met_at: None }),
            paused_at: None,
            checked_at: start,
        };
        assert_eq!(sla.state(Target::FirstResponse, minutes(20)), Some(ClockState::Running { left_ms: 40 * 60_000 }));
        assert_eq!(sla.headline(minutes(20)).map(|h| h.0), Some(Target::FirstResponse));
        assert_eq!(sla.next_due(), Some(minutes(60)));
        assert!(!sla.is_breached(minutes(60)));
        assert_eq!(sla.state(Target::FirstResponse, minutes(70)), Some(ClockState::Overdue { by_ms: 10 * 60_000 }));
        assert!(sla.is_breached(minutes(70)));
        // Answered late: still missed, and the list now follows the resolution clock.
        sla.first_response.as_mut().unwrap().met_at = Some(minutes(75));
        assert!(sla.is_breached(minutes(80)));
        assert_eq!(sla.headline(minutes(80)).map(|h| h.0), Some(Target::Resolution));
        assert_eq!(sla.next_due(), Some(minutes(240)));
        // Resolved in time: the clocks stop, nothing runs.
        sla.paused_at = Some(minutes(100));
        sla.resolution.as_mut().unwrap().met_at = Some(minutes(100));
        assert_eq!(sla.next_due(), None);
        assert_eq!(sla.state(Target::Resolution, minutes(500)), Some(ClockState::Done { at: minutes(100), late: false }));
        assert_eq!(sla.headline(minutes(500)).map(|h| h.0), Some(Target::FirstResponse));
        // Stopped before a first reply: the time left stays as it was at the stop.
        let stopped = TicketSla {
            first_response: Some(SlaClock { due_at: minutes(60), met_at: None }),
            resolution: None,
            paused_at: Some(minutes(15)),
            checked_at: start,
        };
        assert_eq!(stopped.state(Target::FirstResponse, minutes(900)), Some(ClockState::Paused { left_ms: 45 * 60_000 }));
        assert!(!stopped.is_breached(minutes(900)));
        assert_eq!(stopped.headline(minutes(900)), None);
    }
}
