//! Group commit for chat messages. Every send of this node (socket or HTTP) joins the queue of the
//! writer task that owns its ticket; the task takes whatever has queued up while its previous
//! batch was committing, stores it in one transaction that takes each ticket's next seqs under the
//! ticket row locks, and announces the whole batch with one notice. After the commit it answers
//! each sender and then hands the entries to this node's sockets itself (other nodes get them
//! from the notice): so a sender always has its ack before its own `ticket:message:new`, and an
//! acknowledged message is durable.
//! A message that cannot be stored (closed or foreign ticket, a client_id used elsewhere) fails
//! alone; the rest of its batch is stored.

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot};

use super::hub::{Hub, SendOutcome};
use super::outbox::timeline::Delivery;
use crate::attachments::repo as attachments;
use crate::chat::repo::validate_message;
use crate::domain::account::User;
use crate::domain::attachment::Attachment;
use crate::domain::ticket::{Message, PersonRef, TicketStatus, may_view};
use crate::domain::timeline::TimelineEntry;
use crate::error::{AppError, AppResult, ErrorCode, Problem};
use crate::timeline::repo::{self as timeline, AppendTarget, MESSAGE_SELECT, MessageRow};

type Reply = Box<dyn FnOnce(SendOutcome) + Send>;

/// Sends waiting beyond this (per writer) are refused as "busy" rather than queued without bound.
const QUEUE_CAPACITY: usize = 8_192;
/// Two: at 7,500 msg/s this halved the p99 of one writer; four made PostgreSQL work harder
/// (smaller batches, more commits) for no steady gain (docs/benchmarks.md).
const WRITERS: usize = 2;
const MAX_BATCH: usize = 512;

pub struct SendRequest {
    pub sender: Arc<User>,
    pub ticket_id: i64,
    pub client_id: String,
    pub content: String,
    /// Uploads of the sender's to this ticket, sent with the message.
    pub attachment_ids: Vec<i64>,
}

struct Queued {
    request: SendRequest,
    reply: Reply,
}

/// This node's entry to the group commit; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    /// One queue per writer task; a ticket's sends always go to the same one.
    queues: Arc<[mpsc::Sender<Queued>]>,
}

/// With mail on: how long a staff message waits for its customer to read it before it is mailed.
type MailDelay = Option<std::time::Duration>;

impl Writer {
    /// Starts the writer tasks (needs a Tokio runtime). Each task owns a share of the tickets and
    /// commits its batches one after the other, so this node hands out each ticket's entries in
    /// seq order. Several tasks, because one task's batches leave PostgreSQL idle while the
    /// server takes the next one up; their shares never meet, so they never wait on each other's
    /// ticket row locks.
    pub fn start(pool: PgPool, hub: Hub, mail_delay: MailDelay) -> Self {
        let queues = (0..WRITERS)
            .map(|_| {
                let (queue, receiver) = mpsc::channel(QUEUE_CAPACITY);
                tokio::spawn(run(pool.clone(), hub.clone(), mail_delay, receiver));
                queue
            })
            .collect();
        Self { queues }
    }

    /// Queues a send; `reply` is called once, after the commit or with the reason it was refused.
    pub fn submit(&self, mut request: SendRequest, reply: impl FnOnce(SendOutcome) + Send + 'static) {
        match validate_message(&request.client_id, &request.content, &request.attachment_ids) {
            Ok(content) => request.content = content,
            Err(err) => return reply(Err(err)),
        }
        let queue = &self.queues[request.ticket_id.unsigned_abs() as usize % self.queues.len()];
        if let Err(refused) = queue.try_send(Queued { request, reply: Box::new(reply) }) {
            let queued = match refused {
                mpsc::error::TrySendError::Full(queued) | mpsc::error::TrySendError::Closed(queued) => queued,
            };
            (queued.reply)(Err(AppError::new(ErrorCode::TooManyRequests, Problem::ServerBusy)));
        }
    }

    /// Sends and waits for the commit.
    pub async fn send(&self, request: SendRequest) -> SendOutcome {
        let (done, outcome) = oneshot::channel();
        self.submit(request, move |result| {
            let _ = done.send(result);
        });
        outcome.await.unwrap_or_else(|_| Err(AppError::internal()))
    }
}

async fn run(pool: PgPool, hub: Hub, mail_delay: MailDelay, mut receiver: mpsc::Receiver<Queued>) {
    loop {
        let Some(first) = receiver.recv().await else { return };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let (requests, replies): (Vec<SendRequest>, Vec<Reply>) = batch.into_iter().map(|q| (q.request, q.reply)).unzip();
        let mut stored = Vec::new();
        let started = std::time::Instant::now();
        let outcomes = match store(&pool, hub.node_id, mail_delay, &requests, &mut stored).await {
            Ok(outcomes) => outcomes,
            // The batch failed as a whole (a database error): each message on its own, so one
            // cannot fail the others.
            Err(err) if requests.len() > 1 => {
                tracing::warn!(err = %err.message, size = requests.len(), "a batch failed; storing its messages one by one");
                let mut outcomes = Vec::with_capacity(requests.len());
                for request in &requests {
                    let single = store(&pool, hub.node_id, mail_delay, std::slice::from_ref(request), &mut stored).await;
                    outcomes.push(single.and_then(|mut o| o.pop().ok_or_else(AppError::internal)).and_then(|o| o));
                }
                outcomes
            }
            Err(err) => vec![Err(err)],
        };
        tracing::debug!(size = requests.len(), took_us = started.elapsed().as_micros() as u64, "batch committed");
        let metrics = &*crate::metrics::METRICS;
        metrics.writer_batch_size.observe(requests.len() as f64);
        metrics.writer_commit_seconds.observe(started.elapsed().as_secs_f64());
        metrics.messages_committed.inc_by(stored.len() as u64);
        for (reply, outcome) in replies.into_iter().zip(outcomes) {
            reply(outcome);
        }
        hub.deliver(stored);
    }
}

/// Stores a batch and adds the committed entries to `stored`. The first attempt assumes every
/// client_id is new (a resend is rare: after a reconnect); if one was not, nothing is kept and the
/// batch runs again looking up the earlier messages first.
async fn store(pool: &PgPool, node_id: i64, mail_delay: MailDelay, batch: &[SendRequest], stored: &mut Vec<Delivery>) -> AppResult<Vec<SendOutcome>> {
    for attempt in 0..3 {
        if let Some(outcomes) = try_store(pool, node_id, mail_delay, batch, attempt > 0, stored).await? {
            return Ok(outcomes);
        }
    }
    Err(AppError::internal())
}

fn closed() -> AppError {
    AppError::new(ErrorCode::Conflict, Problem::TicketClosedForMessages)
}

fn client_id_taken() -> AppError {
    AppError::invalid("client_id", Problem::ClientIdReused)
}

/// One transaction for the whole batch; `None` when a client_id turned out to be used already
/// (nothing was stored: run it again with `look_up_repeats`).
async fn try_store(
    pool: &PgPool,
    node_id: i64,
    mail_delay: MailDelay,
    batch: &[SendRequest],
    look_up_repeats: bool,
    stored: &mut Vec<Delivery>,
) -> AppResult<Option<Vec<SendOutcome>>> {
    let mut tx = pool.begin().await?;
    let existing: Vec<MessageRow> = if look_up_repeats {
        let senders: Vec<i64> = batch.iter().map(|r| r.sender.id).collect();
        let client_ids: Vec<&str> = batch.iter().map(|r| r.client_id.as_str()).collect();
        let sql = format!("{MESSAGE_SELECT} WHERE (m.sender_user_id, m.client_id) IN (SELECT * FROM unnest($1::BIGINT[], $2::TEXT[]))");
        sqlx::query_as(&sql).bind(&senders).bind(&client_ids).fetch_all(&mut *tx).await?
    } else {
        Vec::new()
    };
    let mut existing: Vec<Message> = existing.into_iter().map(Message::from).collect();
    if !existing.is_empty() {
        let ids: Vec<i64> = existing.iter().map(|m| m.id).collect();
        for (message_id, attachment) in attachments::for_messages(&mut *tx, &ids).await? {
            if let Some(message) = existing.iter_mut().find(|m| m.id == message_id) {
                message.attachments.push(attachment);
            }
        }
    }
    let existing: HashMap<(i64, String), Message> =
        existing.into_iter().map(|m| ((m.sender.id, m.client_id.clone().unwrap_or_default()), m)).collect();

    let mut ticket_ids: Vec<i64> = batch.iter().map(|r| r.ticket_id).collect();
    ticket_ids.sort_unstable();
    ticket_ids.dedup();
    let tickets: HashMap<i64, AppendTarget> =
        timeline::lock_for_append(&mut tx, &ticket_ids).await?.into_iter().map(|t| (t.id, t)).collect();

    // The files to be sent, locked: each can go with one message only.
    let wanted: Vec<i64> = batch.iter().flat_map(|r| r.attachment_ids.iter().copied()).collect();
    let mut uploads: HashMap<i64, attachments::Upload> =
        attachments::lock_uploads(&mut tx, &wanted).await?.into_iter().map(|u| (u.attachment.id, u)).collect();
    let mut files_of: HashMap<usize, Vec<Attachment>> = HashMap::new();

    let mut outcomes: Vec<Option<SendOutcome>> = vec![None; batch.len()];
    let mut first_send: HashMap<(i64, &str), usize> = HashMap::new();
    let mut repeats: Vec<(usize, usize)> = Vec::new();
    let mut last_seqs: HashMap<i64, (i64, bool)> = HashMap::new();
    let mut accepted: Vec<(usize, i64)> = Vec::new(); // (index in batch, seq)
    for (index, request) in batch.iter().enumerate() {
        let key = (request.sender.id, request.client_id.as_str());
        if look_up_repeats
            && let Some(message) = existing.get(&(key.0, key.1.to_owned()))
        {
            let outcome = if message.ticket_id == request.ticket_id { Ok((message.clone(), false)) } else { Err(client_id_taken()) };
            outcomes[index] = Some(outcome);
            continue;
        }
        if let Some(&first) = first_send.get(&key) {
            repeats.push((index, first)); // the same send twice in one batch: one message
            continue;
        }
        let Some(ticket) = tickets.get(&request.ticket_id).filter(|t| may_view(&request.sender, t.created_by_user_id)) else {
            outcomes[index] = Some(Err(crate::tickets::repo::not_found()));
            continue;
        };
        if ticket.status == TicketStatus::Closed {
            outcomes[index] = Some(Err(closed()));
            continue;
        }
        let usable = |id: &i64| uploads.get(id).is_some_and(|u| u.ticket_id == Some(ticket.id) && u.uploaded_by == request.sender.id);
        if !request.attachment_ids.iter().all(usable) {
            outcomes[index] = Some(Err(attachments::not_yours()));
            continue;
        }
        let files = request.attachment_ids.iter().filter_map(|id| uploads.remove(id)).map(|u| u.attachment).collect();
        files_of.insert(index, files);
        first_send.insert(key, index);
        let (seq, staff_wrote) = last_seqs.entry(ticket.id).or_insert((ticket.last_seq, false));
        *seq += 1;
        *staff_wrote |= request.sender.role.is_staff();
        accepted.push((index, *seq));
    }

    let mut entries = Vec::with_capacity(accepted.len());
    if !accepted.is_empty() {
        let last_seqs: Vec<(i64, i64, bool)> = last_seqs.into_iter().map(|(id, (seq, staff))| (id, seq, staff)).collect();
        // A first reply changes the ticket's SLA clock: staff watching it reload it.
        let first_replies = timeline::advance_seqs(&mut tx, &last_seqs).await?;
        super::outbox::announce_tickets_updated(&mut tx, &first_replies, super::outbox::Audience::Staff).await?;
        // Staff wrote to a customer who may not be looking: a mail, unless they read it in time.
        if let Some(delay) = mail_delay {
            let staff_wrote: Vec<i64> = last_seqs.iter().filter(|(_, _, staff)| *staff).map(|(id, _, _)| *id).collect();
            if !staff_wrote.is_empty() {
                crate::mail::queue::queue_for_tickets(&mut tx, crate::mail::queue::CustomerMailKind::Replies, &staff_wrote, delay).await?;
            }
        }
        let pick = |f: fn(&SendRequest) -> String| accepted.iter().map(|(i, _)| f(&batch[*i])).collect::<Vec<String>>();
        let inserted: Vec<(i64, i64, i64, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
            "INSERT INTO ticket_messages (ticket_id, sender_user_id, sender_role, content, seq, client_id)
             SELECT t, s, r::user_role, c, q, k FROM unnest($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::BIGINT[], $6::TEXT[])
                 AS v(t, s, r, c, q, k)
             ON CONFLICT (sender_user_id, client_id) DO NOTHING
             RETURNING id, ticket_id, seq, created_at",
        )
        .bind(accepted.iter().map(|(i, _)| batch[*i].ticket_id).collect::<Vec<i64>>())
        .bind(accepted.iter().map(|(i, _)| batch[*i].sender.id).collect::<Vec<i64>>())
        .bind(pick(|r| r.sender.role.as_str().to_owned()))
        .bind(pick(|r| r.content.clone()))
        .bind(accepted.iter().map(|(_, seq)| *seq).collect::<Vec<i64>>())
        .bind(pick(|r| r.client_id.clone()))
        .fetch_all(&mut *tx)
        .await?;
        if inserted.len() != accepted.len() {
            tx.rollback().await?;
            return Ok(None);
        }
        let rows: HashMap<(i64, i64), (i64, chrono::DateTime<chrono::Utc>)> =
            inserted.into_iter().map(|(id, ticket_id, seq, at)| ((ticket_id, seq), (id, at))).collect();
        let mut links = Vec::new();
        for &(index, seq) in &accepted {
            let request = &batch[index];
            let (id, created_at) = rows[&(request.ticket_id, seq)];
            let files = files_of.remove(&index).unwrap_or_default();
            links.extend(files.iter().map(|file| (file.id, id)));
            let message = message_of(request, id, seq, created_at, files);
            entries.push(Delivery::new(TimelineEntry::Message(message.clone())));
            outcomes[index] = Some(Ok((message, true)));
        }
        attachments::link_to_messages(&mut tx, &links).await?;
        super::outbox::publish_entries(&mut tx, node_id, &entries).await?;
    }
    tx.commit().await?;
    stored.append(&mut entries);

    for (index, first) in repeats {
        outcomes[index] = Some(outcomes[first].clone().unwrap_or_else(|| Err(AppError::internal())).map(|(m, _)| (m, false)));
    }
    Ok(Some(outcomes.into_iter().map(|o| o.unwrap_or_else(|| Err(AppError::internal()))).collect()))
}

fn message_of(request: &SendRequest, id: i64, seq: i64, created_at: chrono::DateTime<chrono::Utc>, attachments: Vec<Attachment>) -> Message {
    let sender: &User = &request.sender;
    Message {
        id,
        ticket_id: request.ticket_id,
        seq,
        client_id: Some(request.client_id.clone()),
        sender: PersonRef { id: sender.id, display_name: sender.display_name.clone(), email: sender.email.clone() },
        sender_role: sender.role,
        content: request.content.clone(),
        created_at,
        attachments,
    }
}
