//! The in-process event bus: every committed assignment and status change is published here; the
//! WebSocket layer forwards each to the ticket's room (`ticket:assigned` / `ticket:status:updated`).

use tokio::sync::broadcast;

use super::model::TicketEvent;

#[derive(Clone)]
pub struct EventBus {
    sender: broadcast::Sender<TicketEvent>,
}

impl EventBus {
    pub fn new() -> Self {
        // A slow subscriber that falls this far behind is told it lagged and catches up from the
        // database by sequence number, so the buffer bounds memory, not correctness.
        let (sender, _) = broadcast::channel(1024);
        Self { sender }
    }

    /// Call only after the change is committed.
    pub fn publish(&self, event: TicketEvent) {
        // No subscribers is fine: nobody is watching.
        let _ = self.sender.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<TicketEvent> {
        self.sender.subscribe()
    }
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}
