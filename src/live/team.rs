//! The whole team's presence for staff sockets that just connected (or caught up), read once for
//! everyone who asks at about the same time: a node restart with 2,000 staff online asks 2,000
//! times within seconds, and each read is of the whole team. The frames are encoded once and shared.

use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;
use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot};

/// The team as `staff:team` frames, the first with `reset`.
pub type TeamFrames = Arc<[Utf8Bytes]>;

type Answer = oneshot::Sender<Option<TeamFrames>>;

/// This node's team reader; cheap to clone.
#[derive(Clone)]
pub struct TeamReader {
    // Unbounded: one item per socket asking, and sockets ask once per connect or catch-up.
    queue: mpsc::UnboundedSender<Answer>,
}

impl TeamReader {
    /// Starts the reader task (needs a Tokio runtime).
    pub fn start(pool: PgPool) -> Self {
        let (queue, receiver) = mpsc::unbounded_channel();
        tokio::spawn(run(pool, receiver));
        Self { queue }
    }

    /// Everyone's presence, read after this call was made, so no change committed before it is
    /// missing; `None` if the database could not be read.
    pub async fn now(&self) -> Option<TeamFrames> {
        let (answer, frame) = oneshot::channel();
        self.queue.send(answer).ok()?;
        frame.await.ok().flatten()
    }
}

async fn run(pool: PgPool, mut receiver: mpsc::UnboundedReceiver<Answer>) {
    let mut waiting = Vec::new();
    // Everyone in a round asked before its read began.
    while receiver.recv_many(&mut waiting, usize::MAX).await > 0 {
        let frame = match crate::presence::repo::team(&pool).await {
            Ok(people) => Some(super::hub::team_frames(&people, true).into()),
            Err(err) => {
                tracing::warn!(err = %err.message, "could not read the team's presence");
                None
            }
        };
        for answer in waiting.drain(..) {
            let _ = answer.send(frame.clone());
        }
    }
}
