//! Rebuilds the crate when a migration is added: `sqlx::migrate!` embeds `migrations/` at compile
//! time, and cargo would otherwise keep a binary (and a test suite) with the old list.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
