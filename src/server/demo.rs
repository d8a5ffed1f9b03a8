//! `myrelay demo`: accounts with known passwords and a few tickets, for trying MyRelay locally.
//! Never run by the server itself.

use std::sync::Arc;

use super::state::AppState;
use crate::auth::{repo as users, server::hash_password};
use crate::domain::account::{Role, User};
use crate::domain::ticket::TicketStatus;
use crate::live::writer::SendRequest;
use crate::tickets::repo::{TicketSeed, insert_ticket};
use crate::{categories::repo as categories, domain::category::validate_category};

pub const DEMO_PASSWORD: &str = "demo-password";

const ACCOUNTS: [(&str, &str, Role); 6] = [
    ("admin@demo.myrelay.test", "Ada Admin", Role::Admin),
    ("agent1@demo.myrelay.test", "Alex Agent", Role::Agent),
    ("agent2@demo.myrelay.test", "Sam Agent", Role::Agent),
    ("user1@demo.myrelay.test", "Uma User", Role::User),
    ("user2@demo.myrelay.test", "Ben User", Role::User),
    ("user3@demo.myrelay.test", "Cleo User", Role::User),
];

pub async fn seed(state: &AppState) -> Result<(), String> {
    if users::find_user_by_email(&state.pool, ACCOUNTS[0].0).await.map_err(|e| e.message)?.is_some() {
        println!("Demo data is already present.");
        print_accounts();
        return Ok(());
    }
    let hash = hash_password(DEMO_PASSWORD.to_owned()).await.map_err(|e| e.message)?;
    let mut created: Vec<User> = Vec::new();
    for (email, name, role) in ACCOUNTS {
        created.push(users::insert_user(&state.pool, email, name, &hash, role).await.map_err(|e| e.message)?);
    }
    let (agent, user1, user2) = (&created[1], &created[3], &created[4]);
    // Categories, as an installation would set them up: people opening a ticket choose one; the
    // bot greets and the agent in charge takes it (the demo's tickets below predate them).
    let categories = [
        ("Billing", "Invoices, payments and refunds", "Thanks for writing! If it is about an invoice, please add its number.", Some(agent.id)),
        ("Access", "Signing in and permissions", "Thanks! Tell us which device and browser you use, please.", None),
        ("Something else", "Anything else", "", None),
    ];
    let system = users::system_account(&mut *state.pool.acquire().await.map_err(|e| e.to_string())?).await.map_err(|e| e.message)?;
    for (name, description, greeting, default_agent_id) in categories {
        let input = validate_category(name, description, greeting, default_agent_id).map_err(|e| e.message)?;
        categories::create(&state.pool, &system, &input).await.map_err(|e| e.message)?;
    }
    let tickets = [
        (user1, Some("Cannot sign in on my phone"), "The app says my session expired every time I open it.", TicketStatus::Open, None),
        (user1, None, "Where can I download last month's invoice?", TicketStatus::Assigned, Some(agent)),
        (user2, Some("Export to CSV is empty"), "The export finishes but the file has only headers.", TicketStatus::Resolved, Some(agent)),
        (user2, Some("Change the account owner"), "Please move ownership of our workspace to Cleo.", TicketStatus::Closed, Some(agent)),
    ];
    for (creator, subject, description, status, assignee) in tickets {
        let seed = TicketSeed {
            created_by: creator.id,
            subject,
            description,
            status,
            assigned_agent_id: assignee.map(|a| a.id),
        };
        let id = insert_ticket(&state.pool, &seed).await.map_err(|e| e.message)?;
        if let Some(agent) = assignee.filter(|_| status != TicketStatus::Closed) {
            for (sender, text) in [(creator, "Hello, any news on this?"), (agent, "Hi! I'm looking into it now.")] {
                let client_id = format!("demo-{id}-{}", sender.id);
                let request = SendRequest { sender: Arc::new(sender.clone()), ticket_id: id, client_id, content: text.to_owned(), attachment_ids: Vec::new() };
                state.writer.send(request).await.map_err(|e| e.message)?;
            }
        }
    }
    println!("Demo data created.");
    print_accounts();
    Ok(())
}

fn print_accounts() {
    println!("Sign in with any of these (password: {DEMO_PASSWORD}):");
    for (email, name, role) in ACCOUNTS {
        println!("  {:<6} {email}  ({name})", role.as_str());
    }
}
