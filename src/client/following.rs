//! What the views on screen ask the live client to follow: the tickets of each list, new tickets
//! (the inbox), each open ticket's room. Views come and go in any order: on a client-side
//! navigation the new page's views are built before the old page's are dropped. So each view
//! holds its own share, released when it goes, and the socket follows the union.

use std::collections::HashMap;

use super::room::Room;

/// A view that follows something (a list).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ViewId(u64);

#[derive(Default)]
pub struct Following {
    next_view: u64,
    /// Each list's tickets.
    lists: HashMap<ViewId, Vec<i64>>,
    /// The views that want to hear of new tickets.
    inbox: Vec<ViewId>,
    /// Each open ticket's room, and how many views show it.
    rooms: HashMap<i64, (Room, usize)>,
}

impl Following {
    pub fn new_view(&mut self) -> ViewId {
        self.next_view += 1;
        ViewId(self.next_view)
    }

    pub fn set_list(&mut self, view: ViewId, ticket_ids: Vec<i64>) {
        self.lists.insert(view, ticket_ids);
    }

    /// Forgets what `view` followed; true if the inbox is no longer watched by anyone.
    pub fn drop_view(&mut self, view: ViewId) -> bool {
        self.lists.remove(&view);
        let watched = !self.inbox.is_empty();
        self.inbox.retain(|v| *v != view);
        watched && self.inbox.is_empty()
    }

    /// Every list's tickets, each once, in the order the lists show them.
    pub fn listed(&self) -> Vec<i64> {
        let mut views: Vec<&ViewId> = self.lists.keys().collect();
        views.sort_by_key(|view| view.0);
        let mut ids = Vec::new();
        for id in views.into_iter().flat_map(|view| &self.lists[view]) {
            if !ids.contains(id) {
                ids.push(*id);
            }
        }
        ids
    }

    pub fn is_listed(&self, ticket_id: i64) -> bool {
        self.lists.values().any(|ids| ids.contains(&ticket_id))
    }

    /// `view` wants new tickets; true if nobody did before.
    pub fn watch_inbox(&mut self, view: ViewId) -> bool {
        let first = self.inbox.is_empty();
        if !self.inbox.contains(&view) {
            self.inbox.push(view);
        }
        first
    }

    pub fn inbox_watched(&self) -> bool {
        !self.inbox.is_empty()
    }

    pub fn room(&self, ticket_id: i64) -> Option<Room> {
        self.rooms.get(&ticket_id).map(|(room, _)| *room)
    }

    #[cfg(feature = "hydrate")]
    pub fn rooms(&self) -> Vec<Room> {
        self.rooms.values().map(|(room, _)| *room).collect()
    }

    /// One more view shows the ticket's room (`room` for the first); true for the first.
    pub fn hold_room(&mut self, ticket_id: i64, room: Room) -> bool {
        let (_, views) = self.rooms.entry(ticket_id).or_insert((room, 0));
        *views += 1;
        *views == 1
    }

    /// One view less shows the room; the room when that was the last.
    pub fn release_room(&mut self, ticket_id: i64) -> Option<Room> {
        let (_, views) = self.rooms.get_mut(&ticket_id)?;
        *views = views.saturating_sub(1);
        if *views > 0 {
            return None;
        }
        self.rooms.remove(&ticket_id).map(|(room, _)| room)
    }
}

#[cfg(test)]
mod tests {
    use super::Following;

    #[test]
    fn a_list_that_goes_after_the_next_one_came_leaves_the_next_ones_tickets() {
        let mut following = Following::default();
        let old = following.new_view();
        following.set_list(old, vec![1, 2]);
        assert!(following.watch_inbox(old));
        let new = following.new_view();
        following.set_list(new, vec![2, 3]);
        assert!(!following.watch_inbox(new));
        assert_eq!(following.listed(), vec![1, 2, 3]);
        assert!(!following.drop_view(old), "the new inbox still watches");
        assert_eq!(following.listed(), vec![2, 3]);
        assert!(!following.is_listed(1));
        assert!(following.drop_view(new));
        assert!(!following.inbox_watched());
    }
}
