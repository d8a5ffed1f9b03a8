//! Email: staff replies and resolutions mailed to customers who did not see them live, and the
//! customers' answers by mail back into the thread (README, "Email"; docs/api.md).
//!
//! - `queue`: mails are queued in the transaction of what causes them; `worker` sends them, on
//!   any number of nodes, at most once each.
//! - `inbound`: `myrelay mail-in` and the provider endpoint; `signing`: reply addresses and
//!   unsubscribe links carry a signature.

pub mod api;
pub mod model;
pub mod view;

#[cfg(feature = "ssr")]
pub mod compose;
#[cfg(feature = "ssr")]
pub mod inbound;
#[cfg(feature = "ssr")]
pub mod queue;
#[cfg(feature = "ssr")]
pub mod quotes;
#[cfg(feature = "ssr")]
pub mod routes;
#[cfg(feature = "ssr")]
pub mod settings;
#[cfg(feature = "ssr")]
pub mod signing;
#[cfg(feature = "ssr")]
pub mod texts;
#[cfg(feature = "ssr")]
pub mod worker;
