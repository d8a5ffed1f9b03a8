//! This node's life in the cluster: registering and listening at start, a heartbeat that keeps
//! its presence rows (and reaps nodes that went silent), every socket's session checked once per
//! interval for the whole node, and leaving the presence tables at shutdown.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use sqlx::PgPool;

use super::hub::{Hub, Outgoing, subscribe};
use super::rooms::announce;
use crate::chat::repo::{self, PresenceBatch};
use crate::domain::account::Role;
use crate::domain::live::Member;

/// How often every socket's session is re-checked (one query for the whole node).
const SESSION_CHECK_EVERY: Duration = Duration::from_secs(20);

impl Hub {
    /// Registers the node and starts listening; returns once LISTEN is in place, so nothing
    /// committed afterwards is missed. Idempotent.
    pub async fn start(&self, pool: &PgPool) -> Result<(), sqlx::Error> {
        if self.started.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        repo::register_node(pool, self.node_id).await.map_err(|e| sqlx::Error::Protocol(e.message))?;
        reap_dead_nodes(pool, self).await;
        let listener = subscribe(pool).await?;
        self.listening.store(true, Ordering::SeqCst);
        tokio::spawn(self.clone().listen(listener, pool.clone()));
        tokio::spawn(self.clone().heartbeat(pool.clone()));
        tokio::spawn(self.clone().check_sessions(pool.clone()));
        Ok(())
    }

    /// The end of a shutdown, once the sockets have closed and their goodbyes are written: takes
    /// the node out of the presence tables. (Deleting its rows while the presence writer still
    /// deleted some of the same ones deadlocked.)
    pub async fn leave_cluster(&self, pool: &PgPool) {
        if let Err(err) = repo::remove_node(pool, self.node_id).await {
            tracing::warn!(err = %err.message, "could not remove this node's presence rows");
        }
    }

    /// Every socket's session in one query per interval: logged out, expired or deactivated ends it.
    async fn check_sessions(self, pool: PgPool) {
        let mut every = tokio::time::interval(SESSION_CHECK_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let hashes: HashSet<Arc<[u8]>> = self.registry().sockets.values().map(|e| e.token_hash.clone()).collect();
            if hashes.is_empty() {
                continue;
            }
            let ask: Vec<&[u8]> = hashes.iter().map(|h| h.as_ref()).collect();
            // A database error is not a reason to drop everyone: only a definite "no".
            let Ok(valid) = crate::auth::repo::valid_session_hashes(&pool, &ask).await else { continue };
            // Only sessions asked about: a socket that connected during the query is checked next
            // time (it used to be told its brand-new session had ended).
            let ended = |e: &&super::hub::SocketEntry| hashes.contains(&e.token_hash) && !valid.contains(e.token_hash.as_ref());
            for entry in self.registry().sockets.values().filter(ended) {
                entry.mailbox.offer(Outgoing::SessionEnded);
            }
        }
    }

    /// One heartbeat: this node is alive (and writes its presence rows again if another node had
    /// reaped them); nodes silent for a minute are reaped.
    pub async fn beat(&self, pool: &PgPool) {
        match repo::register_node(pool, self.node_id).await {
            // Another node found this one silent (the database was away) and reaped its rows.
            Ok(true) => {
                tracing::warn!("this node's presence rows were reaped; writing them again");
                self.to_all(|| Outgoing::Reregister);
            }
            Ok(false) => {}
            Err(err) => tracing::warn!(err = %err.message, "node heartbeat failed"),
        }
        // Timed when it comes back through LISTEN (the listener's lag, in the metrics).
        if let Err(err) = super::outbox::probe(pool, self.node_id).await {
            tracing::warn!(%err, "could not probe the listener");
        }
        reap_dead_nodes(pool, self).await;
    }

    async fn heartbeat(self, pool: PgPool) {
        let mut every = tokio::time::interval(Duration::from_secs(15));
        let mut shutdown = self.shutdown_signal();
        loop {
            tokio::select! {
                _ = every.tick() => self.beat(&pool).await,
                // The node's row goes in `leave_cluster`, after its sockets' goodbyes.
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// Nodes silent for a minute have died (killed, or cut off from the database): their connections
/// leave their rooms and close, announced like any other, so nobody stays "here" or "online" for
/// a node that is gone. Several nodes may reap at once; each dead node is reaped by one of them.
pub async fn reap_dead_nodes(pool: &PgPool, hub: &Hub) {
    if let Err(err) = reap(pool, hub).await {
        tracing::warn!(%err, "could not reap dead nodes");
    }
}

async fn reap(pool: &PgPool, hub: &Hub) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    // NO KEY UPDATE: a live node's writer checking its foreign key (KEY SHARE) is not blocked.
    let dead: Vec<i64> = sqlx::query_scalar(
        "SELECT node_id FROM live_nodes WHERE seen_at < now() - interval '60 seconds' FOR NO KEY UPDATE SKIP LOCKED",
    )
    .fetch_all(&mut *tx)
    .await?;
    if dead.is_empty() {
        return Ok(());
    }
    let rows: Vec<(i64, i64, String, Role, Vec<i64>)> = sqlx::query_as(
        "SELECT c.connection_id, c.user_id, u.display_name, c.role,
                ARRAY(SELECT m.ticket_id FROM live_room_members m WHERE m.connection_id = c.connection_id)
         FROM live_connections c JOIN users u ON u.id = c.user_id WHERE c.node_id = ANY($1)",
    )
    .bind(&dead)
    .fetch_all(&mut *tx)
    .await?;
    let mut batch = PresenceBatch::default();
    for (connection_id, user_id, display_name, role, rooms) in rows {
        let member = Member { user_id, display_name, role };
        batch.moves.extend(rooms.into_iter().map(|ticket_id| (connection_id, ticket_id, member.clone(), false)));
        batch.disconnects.push(connection_id);
    }
    let outcome = repo::write_presence(&mut tx, hub.node_id, &batch).await.map_err(|e| sqlx::Error::Protocol(e.message))?;
    sqlx::query("DELETE FROM live_nodes WHERE node_id = ANY($1)").bind(&dead).execute(&mut *tx).await?;
    tracing::info!(nodes = dead.len(), connections = batch.disconnects.len(), "reaped dead nodes");
    announce(tx, hub, outcome.announcements, outcome.staff).await?;
    Ok(())
}
