//! The forms of a ticket's page (take it, resolve, close, reopen, priority, rating) as actions:
//! in the browser they post without leaving the page (`ui::ServerForm`) and each answers with the
//! ticket as it is now, or why not. Without JavaScript the same forms post as plain ones and the
//! page comes back with the outcome (`ui::flash`).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::domain::ticket::Ticket;
use crate::error::{AppError, ErrorCode};
use crate::tickets::api::{AssignTicket, ChangeStatus, RateTicket, SetPriority};

#[derive(Clone, Copy)]
pub struct TicketActions {
    pub assign: ServerAction<AssignTicket>,
    pub status: ServerAction<ChangeStatus>,
    pub priority: ServerAction<SetPriority>,
    pub rate: ServerAction<RateTicket>,
    /// Why the last form on this page was refused: first what the server-rendered page says (a
    /// plain post's flash), then the last action's.
    pub refusal: RwSignal<Option<AppError>>,
}

impl TicketActions {
    /// `ticket`: what the page shows, updated by each success; `reload`: load the ticket again
    /// (a refusal because someone changed it first: show it as it is now).
    pub fn new(ticket: RwSignal<Ticket>, refusal: Option<AppError>, reload: impl Fn() + Copy + Send + Sync + 'static) -> Self {
        let actions = Self {
            assign: ServerAction::new(),
            status: ServerAction::new(),
            priority: ServerAction::new(),
            rate: ServerAction::new(),
            refusal: RwSignal::new(refusal),
        };
        let refusal = actions.refusal;
        follow(actions.assign, ticket, refusal, reload);
        follow(actions.status, ticket, refusal, reload);
        follow(actions.priority, ticket, refusal, reload);
        follow(actions.rate, ticket, refusal, reload);
        actions
    }

    /// A form of the page is on its way: the others wait (each answers with a whole ticket).
    pub fn busy(&self) -> bool {
        self.assign.pending().get() || self.status.pending().get() || self.priority.pending().get() || self.rate.pending().get()
    }
}

/// Applies each answer of `action` to the page.
fn follow<S>(action: ServerAction<S>, ticket: RwSignal<Ticket>, refusal: RwSignal<Option<AppError>>, reload: impl Fn() + Send + Sync + 'static)
where
    S: ServerFn<Output = Ticket, Error = AppError> + Clone + Send + Sync + 'static,
{
    Effect::new(move |_| match action.value().get() {
        None => {}
        Some(Ok(fresh)) => {
            refusal.set(None);
            // A live reload may already have brought a newer state.
            if fresh.version >= ticket.with_untracked(|t| t.version) {
                ticket.set(fresh);
            }
        }
        Some(Err(error)) => {
            if error.code == ErrorCode::Conflict {
                reload();
            }
            refusal.set(Some(error));
        }
    });
}
