//! The server binary; its commands are `server::cli`.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    myrelay::server::cli::main().await
}
