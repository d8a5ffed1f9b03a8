//! The server binary's commands: `serve` (default), `migrate`, `create-staff`, `mail-in`, `demo`.

use std::process::ExitCode;

use leptos::config::get_configuration;
use tokio::net::TcpListener;

use super::config::Config;
use super::state::AppState;
use crate::auth::{repo, server::hash_password};
use crate::domain::account::{Role, normalize_email, validate_new_account, validate_password};

const USAGE: &str = "\
Usage: myrelay [COMMAND]

Commands:
  serve          Run the web server (the default)
  migrate        Apply database migrations and exit
  create-staff   Create an agent or admin, or promote an existing account:
                   myrelay create-staff --email EMAIL --role agent|admin [--name NAME] [--password-stdin]
                 The password is read from stdin with --password-stdin, else from MYRELAY_STAFF_PASSWORD;
                 it is required for a new account and optional (a reset) for an existing one.
  mail-in        Read one mail (RFC 5322) on stdin and add it to the ticket its reply address names,
                 or refuse it and tell the sender why (for the MTA: Postfix's pipe, procmail, …):
                   myrelay mail-in [--recipient ADDRESS]
                 Exits 0 when the mail was dealt with, 75 (try again later) when the database failed.
  demo           Create demo accounts and tickets with known passwords (local use only)
  help           Show this text

Configuration comes from environment variables; see the README.";

pub async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        // Logs on stderr: stdout is a command's answer (`mail-in` tells the MTA what it did).
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map_or("serve", String::as_str);
    let result = match command {
        "serve" => serve().await,
        "migrate" => with_state(|_| async { Ok(()) }).await,
        "create-staff" => create_staff(&args[1..]).await,
        "mail-in" => return mail_in(&args[1..]).await,
        "demo" => with_state(|state| async move { super::demo::seed(&state).await }).await,
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command {other:?}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn state() -> Result<AppState, String> {
    let mut leptos_options = get_configuration(None).map_err(|e| e.to_string())?.leptos_options;
    // cargo-leptos tells the server about hashed bundle names only when it starts it; started
    // directly (scripts, services), the hash file next to the binary says so.
    if !leptos_options.hash_files
        && let Some(dir) = std::env::current_exe().ok().and_then(|exe| exe.parent().map(|p| p.to_path_buf()))
        && dir.join(leptos_options.hash_file.as_ref()).is_file()
    {
        leptos_options.hash_files = true;
    }
    let config = Config::from_env(leptos_options.site_addr).map_err(|e| e.to_string())?;
    super::prepare(leptos_options, config).await
}

async fn with_state<F, Fut>(job: F) -> Result<(), String>
where
    F: FnOnce(AppState) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    job(state().await?).await
}

async fn serve() -> Result<(), String> {
    let state = state().await?;
    let addr = state.leptos_options.site_addr;
    let listener = TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    tracing::info!("MyRelay listening on http://{addr}");
    super::serve(listener, state, super::shutdown_signal()).await.map_err(|e| e.to_string())
}

async fn mail_in(args: &[String]) -> ExitCode {
    const TEMPORARY_FAILURE: u8 = 75;
    let state = match state().await {
        Ok(state) => state,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(TEMPORARY_FAILURE);
        }
    };
    match crate::mail::inbound::cli(state, flag(args, "--recipient")).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", err.message);
            ExitCode::from(TEMPORARY_FAILURE)
        }
    }
}

fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(String::as_str)
}

async fn create_staff(args: &[String]) -> Result<(), String> {
    let email = flag(args, "--email").ok_or("--email is required")?;
    let role = flag(args, "--role").and_then(Role::parse).filter(|r| r.is_staff()).ok_or("--role must be agent or admin")?;
    let password = if args.iter().any(|a| a == "--password-stdin") {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map_err(|e| e.to_string())?;
        Some(line.trim_end_matches(['\r', '\n']).to_owned())
    } else {
        std::env::var("MYRELAY_STAFF_PASSWORD").ok()
    };
    let state = state().await?;
    let email = normalize_email(email).map_err(|e| e.message)?;
    let existing = repo::find_user_by_email(&state.pool, &email).await.map_err(|e| e.message)?;
    let user = match existing {
        Some(found) => {
            let hash = match password {
                Some(password) => {
                    validate_password(&password).map_err(|e| e.message)?;
                    Some(hash_password(password).await.map_err(|e| e.message)?)
                }
                None => None,
            };
            repo::update_staff(&state.pool, found.user.id, role, hash.as_deref()).await.map_err(|e| e.message)?
        }
        None => {
            let password = password.ok_or("a new account needs a password (--password-stdin or MYRELAY_STAFF_PASSWORD)")?;
            let name = flag(args, "--name").unwrap_or(email.split('@').next().unwrap_or("Staff"));
            let account = validate_new_account(&email, name, &password).map_err(|e| e.message)?;
            let hash = hash_password(account.password).await.map_err(|e| e.message)?;
            repo::insert_user(&state.pool, &account.email, &account.display_name, &hash, role).await.map_err(|e| e.message)?
        }
    };
    println!("{} <{}> is now {} (id {})", user.display_name, user.email, user.role.as_str(), user.id);
    Ok(())
}
