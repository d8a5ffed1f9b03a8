//! The live path on the server: what travels between nodes (`outbox`), this node's sockets and
//! their fan-out (`hub`), the node's life in the cluster (`node`: heartbeat, reaping, session
//! checks), one socket's protocol (`socket`), room presence written in batches (`rooms`), the
//! team's presence read once for every socket that asks at the same time (`team`), the group commit of chat messages (`writer`) and send budgets (`budget`). Repos publish through
//! `outbox`; everything else here sits above the repos.

pub mod budget;
pub mod hub;
pub mod node;
pub mod outbox;
pub mod rooms;
pub mod socket;
pub mod team;
pub mod writer;
