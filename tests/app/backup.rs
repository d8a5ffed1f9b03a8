//! Backup and restore (scripts/backup.sh, scripts/restore.sh): a backup restored into a fresh
//! database and data folder serves every ticket, message and file as the original did.

use std::process::Command;

use crate::common::{spawn_app, spawn_app_with, with_database};
use myrelay::domain::account::Role;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::{Connection, Executor, PgConnection};

fn script(name: &str, database_url: &str, data_dir: &std::path::Path, dir: &std::path::Path) {
    let path = format!("{}/scripts/{name}", env!("CARGO_MANIFEST_DIR"));
    let output = Command::new("bash")
        .arg(path)
        .arg(dir)
        .env("DATABASE_URL", database_url)
        .env("MYRELAY_DATA_DIR", data_dir)
        .env_remove("MYRELAY_S3_BUCKET")
        .output()
        .expect("run the script");
    assert!(output.status.success(), "{name}: {}", String::from_utf8_lossy(&output.stderr));
}

#[tokio::test]
async fn a_backup_restored_into_a_fresh_database_serves_every_ticket_message_and_file() {
    let app = spawn_app().await;
    let cookie = app.cookie_for(Role::User, "owner@example.com").await;
    let owner = app.browser_with(&cookie);
    let mut tickets = Vec::new();
    for n in 0..3 {
        let id = owner.new_ticket(&format!("Problem {n}")).await;
        let fields = [("ticket_id", id.to_string()), ("client_id", format!("m{n}")), ("content", format!("More about problem {n}"))];
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(owner.post_json("/api/tickets/send-message", &fields).await.0, StatusCode::OK);
        tickets.push(id);
    }
    let (status, file) = owner.upload(tickets[0], "notes.txt", b"the printer's serial is 42".to_vec()).await;
    assert_eq!(status, StatusCode::OK, "{file}");
    let fields = [("ticket_id", tickets[0].to_string()), ("client_id", "with-file".into()), ("attachment_ids", file["id"].to_string())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(owner.post_json("/api/tickets/send-message", &fields).await.0, StatusCode::OK);

    let dir = std::env::temp_dir().join(format!("myrelay-backup-{}", uuid::Uuid::new_v4().simple()));
    script("backup.sh", &app.state.config.database_url, &app.state.config.data_dir, &dir);

    // A fresh database and data folder, restored, then a node started on them.
    let server_url = std::env::var("DATABASE_URL").unwrap();
    let name = format!("myrelay_restored_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&server_url).await.unwrap();
    admin.execute(format!(r#"CREATE DATABASE "{name}""#).as_str()).await.unwrap();
    let restored_url = with_database(&server_url, &name);
    let restored_dir = std::env::temp_dir().join(&name);
    script("restore.sh", &restored_url, &restored_dir, &dir);
    let restored = spawn_app_with(|config| {
        config.database_url = restored_url.clone();
        config.data_dir = restored_dir.clone();
    })
    .await;

    // The same person (their session came along), the same answers.
    let again = restored.browser_with(&cookie);
    assert_eq!(again.get_json("/api/tickets/list").await, owner.get_json("/api/tickets/list").await);
    for id in &tickets {
        let path = format!("/api/tickets/messages?ticket_id={id}");
        let (status, messages) = again.get_json(&path).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(messages, owner.get_json(&path).await.1, "ticket {id}");
    }
    let token = file["token"].as_str().unwrap();
    let bytes = again.get_raw(&format!("/api/attachments/{token}")).await.bytes().await.unwrap();
    assert_eq!(&bytes[..], b"the printer's serial is 42");
    let (_, messages) = again.get_json(&format!("/api/tickets/messages?ticket_id={}", tickets[0])).await;
    let with_file = messages["items"].as_array().unwrap().iter().find(|m| m["client_id"] == "with-file").cloned().unwrap_or(Value::Null);
    assert_eq!(with_file["attachments"][0]["token"], token, "{messages}");
    let _ = std::fs::remove_dir_all(&dir);
}
