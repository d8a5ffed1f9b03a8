//! How often people may send: a token bucket per socket (`ticket:message:send`, typing, joins) and
//! one per person for the HTTP send fallback, both with the protocol's numbers (docs/protocol.md).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::live::{SEND_BURST, SEND_RATE_PER_SECOND};

/// `burst` actions at once, refilled at `rate` per second.
pub struct SendBudget {
    burst: f64,
    rate: f64,
    tokens: f64,
    refilled_at: Instant,
}

impl SendBudget {
    pub fn new(burst: u32, rate: u32) -> Self {
        Self { burst: f64::from(burst), rate: f64::from(rate), tokens: f64::from(burst), refilled_at: Instant::now() }
    }

    pub fn take(&mut self) -> bool {
        self.refill();
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// The socket read nothing for `stalled` (a handler waited on the database): whatever the
    /// client sent at the budget's rate meanwhile is waiting to be read now, all at once. Metering
    /// by arrival, each of those found a token, so grant them on top of the burst.
    pub fn forgive(&mut self, stalled: Duration) {
        self.refill();
        self.tokens += stalled.as_secs_f64() * self.rate;
    }

    /// Refilling stops at the burst; tokens granted above it by `forgive` stay until spent.
    fn refill(&mut self) {
        let now = Instant::now();
        let refill = now.duration_since(self.refilled_at).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(self.burst.max(self.tokens));
        self.refilled_at = now;
    }
}

/// The HTTP fallback's budgets, one per person on this node (the socket's numbers).
#[derive(Default)]
pub struct PersonBudgets {
    budgets: Mutex<HashMap<i64, SendBudget>>,
}

impl PersonBudgets {
    pub fn take(&self, user_id: i64) -> bool {
        let mut budgets = self.budgets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Full buckets carry no information: drop them now and then so the map stays small.
        if budgets.len() > 10_000 {
            let full = Duration::from_secs_f64(f64::from(SEND_BURST) / f64::from(SEND_RATE_PER_SECOND));
            budgets.retain(|_, budget| budget.refilled_at.elapsed() < full);
        }
        budgets.entry(user_id).or_insert_with(|| SendBudget::new(SEND_BURST, SEND_RATE_PER_SECOND)).take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_nothing_until_refilled() {
        let mut budget = SendBudget::new(3, 1);
        assert!((0..3).all(|_| budget.take()));
        assert!(!budget.take());
    }

    #[test]
    fn a_stall_grants_what_arrived_during_it_on_top_of_the_burst() {
        let mut budget = SendBudget::new(3, 5);
        budget.forgive(Duration::from_secs(2));
        assert!((0..13).all(|_| budget.take()), "3 of the burst and 10 for the 2 s stall");
        assert!(!budget.take());
    }
}
