//! Attachments: uploads stream to storage under a size limit, their type comes from their bytes,
//! images get a clean thumbnail, and every link checks who asks, on every request.

use crate::common::{TestApp, spawn_app};
use myrelay::domain::account::Role;
use reqwest::StatusCode;
use serde_json::json;

/// A small PNG carrying a text chunk (metadata the thumbnail must not keep).
fn png_with_metadata() -> Vec<u8> {
    let image = image::RgbImage::from_fn(640, 480, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let mut png = Vec::new();
    image.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    // A tEXt chunk right after IHDR (8-byte signature + 25-byte IHDR chunk).
    let text = b"Comment\0secret location 52.5N";
    let mut chunk = (text.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(b"tEXt");
    chunk.extend_from_slice(text);
    let mut crc_input = b"tEXt".to_vec();
    crc_input.extend_from_slice(text);
    chunk.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    png.splice(33..33, chunk);
    png
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &byte in bytes {
        crc ^= byte as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

fn stored_files(app: &TestApp) -> usize {
    let dir = app.state.config.data_dir.join("files");
    let mut count = 0;
    for sub in ["blobs", "uploads", "thumbs"] {
        count += std::fs::read_dir(dir.join(sub)).map(|d| d.count()).unwrap_or(0);
    }
    count
}

#[tokio::test]
async fn every_link_checks_the_tickets_visibility_on_each_request() {
    let app = spawn_app().await;
    let owner_cookie = app.cookie_for(Role::User, "owner@example.com").await;
    let owner = app.browser_with(&owner_cookie);
    let other = app.browser_with(&app.cookie_for(Role::User, "other@example.com").await);
    let agent = app.browser_with(&app.cookie_for(Role::Agent, "agent@example.com").await);
    let admin = app.browser_with(&app.cookie_for(Role::Admin, "admin@example.com").await);
    let ticket = owner.new_ticket("Here is my invoice").await;

    // The client's name and type are not trusted: a PDF called .png is a PDF.
    let (status, pdf) = owner.upload(ticket, "../invoice \"march\".png", PDF.to_vec()).await;
    assert_eq!(status, StatusCode::OK, "{pdf}");
    assert_eq!((pdf["content_type"].as_str(), pdf["has_thumbnail"].as_bool()), (Some("application/pdf"), Some(false)));
    assert_eq!(pdf["name"], "invoice _march_.png");
    let url = format!("/api/attachments/{}", pdf["token"].as_str().unwrap());

    // Not sent yet: its uploader's alone.
    assert_eq!(owner.get_raw(&url).await.status(), StatusCode::OK);
    for (who, browser) in [("agent", &agent), ("other user", &other)] {
        assert_eq!(browser.get_raw(&url).await.status(), StatusCode::NOT_FOUND, "{who} before sending");
    }
    // Another person cannot send it either.
    let mut others_socket = app.socket(&app.cookie_for(Role::Agent, "agent2@example.com").await).await;
    others_socket.join(ticket, None).await;
    others_socket.send("ticket:message:send", json!({ "ticket_id": ticket, "client_id": "steal", "content": "", "attachment_ids": [pdf["id"]] })).await;
    let refused = others_socket.until("error").await;
    assert_eq!(refused["code"], "invalid_attachments", "{refused}");

    // Sent with a message (no text needed), it travels on the timeline as metadata.
    let mut socket = app.socket(&owner_cookie).await;
    socket.join(ticket, None).await;
    socket.send("ticket:message:send", json!({ "ticket_id": ticket, "client_id": "files-1", "content": "", "attachment_ids": [pdf["id"]] })).await;
    let message = socket.until("ticket:message:new").await;
    assert_eq!(message["attachments"][0]["token"], pdf["token"], "{message}");
    let heard = others_socket.until("ticket:message:new").await;
    assert_eq!(heard["attachments"][0]["name"], "invoice _march_.png");
    let (_, timeline) = owner.get_json(&format!("/api/tickets/timeline?ticket_id={ticket}")).await;
    assert_eq!(timeline["items"][0]["Message"]["attachments"][0]["id"], pdf["id"], "{timeline}");

    // Now: the ticket's people and staff; nobody else, and nobody signed out.
    for (who, browser, expected) in [
        ("owner", &owner, StatusCode::OK),
        ("agent", &agent, StatusCode::OK),
        ("admin", &admin, StatusCode::OK),
        ("other user", &other, StatusCode::NOT_FOUND),
        ("anonymous", &app.browser(), StatusCode::UNAUTHORIZED),
    ] {
        assert_eq!(browser.get_raw(&url).await.status(), expected, "{who}");
    }
    let response = agent.get_raw(&url).await;
    let header = |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    assert_eq!(header("content-type"), "application/pdf");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert!(header("content-disposition").starts_with("attachment; filename=\"invoice _march_.png\""), "{}", header("content-disposition"));
    assert_eq!(response.bytes().await.unwrap().as_ref(), PDF);
    // A guessed link is simply not there.
    assert_eq!(owner.get_raw(&format!("/api/attachments/{}", "0".repeat(32))).await.status(), StatusCode::NOT_FOUND);
    // Each file goes with one message only.
    socket.send("ticket:message:send", json!({ "ticket_id": ticket, "client_id": "files-2", "content": "again", "attachment_ids": [pdf["id"]] })).await;
    assert_eq!(socket.until("error").await["code"], "invalid_attachments");
}

#[tokio::test]
async fn images_get_a_thumbnail_without_their_metadata() {
    let app = spawn_app().await;
    let owner = app.browser_with(&app.cookie_for(Role::User, "owner@example.com").await);
    let ticket = owner.new_ticket("A screenshot").await;
    let original = png_with_metadata();
    assert!(original.windows(6).any(|w| w == b"secret"));
    let (status, image) = owner.upload(ticket, "screen.webp", original.clone()).await;
    assert_eq!(status, StatusCode::OK, "{image}");
    assert_eq!((image["content_type"].as_str(), image["has_thumbnail"].as_bool()), (Some("image/png"), Some(true)));
    let token = image["token"].as_str().unwrap();
    let response = owner.get_raw(&format!("/api/attachments/{token}/thumbnail")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/png");
    let thumbnail = response.bytes().await.unwrap();
    let decoded = image::load_from_memory(&thumbnail).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (320, 240));
    assert!(!thumbnail.windows(6).any(|w| w == b"secret"), "the thumbnail keeps no metadata");
    // The full image is shown inline (still checked, still not sniffed).
    let full = owner.get_raw(&format!("/api/attachments/{token}")).await;
    assert!(full.headers()["content-disposition"].to_str().unwrap().starts_with("inline"));
    // Not a picture after all (PNG's signature, then garbage): a download card, no thumbnail.
    let mut fake = original[..16].to_vec();
    fake.extend_from_slice(&[7u8; 100]);
    let (_, fake) = owner.upload(ticket, "fake.png", fake).await;
    assert_eq!((fake["content_type"].as_str(), fake["has_thumbnail"].as_bool()), (Some("image/png"), Some(false)), "{fake}");
    // The same bytes again are stored once (content-addressed), under a new link.
    let (_, again) = owner.upload(ticket, "copy.png", original).await;
    assert_ne!(again["token"], image["token"]);
    let blobs = std::fs::read_dir(app.state.config.data_dir.join("files/blobs")).unwrap().count();
    assert_eq!(blobs, 2);
}

#[tokio::test]
async fn uploads_over_the_limit_or_where_not_allowed_store_nothing() {
    let app = spawn_app().await;
    let owner = app.browser_with(&app.cookie_for(Role::User, "owner@example.com").await);
    let other = app.browser_with(&app.cookie_for(Role::User, "other@example.com").await);
    let ticket = owner.new_ticket("Big files").await;
    let limit = app.state.config.upload_limit_bytes as usize;

    // Declared too large: refused before the body is read.
    let (status, body) = owner.upload(ticket, "big.bin", vec![1u8; limit + 1]).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large")), "{body}");
    // Streamed without a length: cut off at the limit.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..20).map(|_| Ok(vec![2u8; limit / 10])).collect();
    let url = format!("{}/api/attachments/upload?ticket_id={ticket}&name=stream.bin", owner.base_url);
    let response = owner.client.post(url).body(reqwest::Body::wrap_stream(futures::stream::iter(chunks))).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Exactly at the limit is fine.
    assert_eq!(owner.upload(ticket, "max.bin", vec![3u8; limit]).await.0, StatusCode::OK);
    let kept = stored_files(&app);

    assert_eq!(owner.upload(ticket, "empty.txt", Vec::new()).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other.upload(ticket, "x.txt", b"hello".to_vec()).await.0, StatusCode::NOT_FOUND, "someone else's ticket");
    assert_eq!(app.browser().upload(ticket, "x.txt", b"hello".to_vec()).await.0, StatusCode::UNAUTHORIZED);
    let (status, body) = owner.upload(999_999, "x.txt", b"hello".to_vec()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let cross_site = owner
        .client
        .post(format!("{}/api/attachments/upload?ticket_id={ticket}&name=x.txt", owner.base_url))
        .header("Origin", "https://evil.example")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM attachments").fetch_one(app.pool()).await.unwrap();
    assert_eq!(count, 1, "only the file at the limit");
    assert_eq!(stored_files(&app), kept, "nothing left behind by the refusals");
    // Nobody can make the server keep files without end: 20 unsent at most (an hour each).
    for n in 1..20 {
        assert_eq!(owner.upload(ticket, "note.txt", format!("note {n}").into_bytes()).await.0, StatusCode::OK, "file {n}");
    }
    let (status, body) = owner.upload(ticket, "one-too-many.txt", b"x".to_vec()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    sqlx::query("UPDATE attachments SET created_at = now() - interval '2 hours' WHERE name = 'note.txt'").execute(app.pool()).await.unwrap();
    assert_eq!(owner.upload(ticket, "later.txt", b"x".to_vec()).await.0, StatusCode::OK, "the old unsent ones were dropped");

    // The HTTP fallback sends files too, and refuses ids that are not the sender's.
    let upload_id: i64 = sqlx::query_scalar("SELECT id FROM attachments WHERE name = 'max.bin'").fetch_one(app.pool()).await.unwrap();
    let fields = [("ticket_id", ticket.to_string()), ("client_id", "http-files".into()), ("attachment_ids", upload_id.to_string())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = other.post_json("/api/tickets/send-message", &fields).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, message) = owner.post_json("/api/tickets/send-message", &fields).await;
    assert_eq!(status, StatusCode::OK, "{message}");
    assert_eq!((message["content"].as_str(), message["attachments"][0]["name"].as_str()), (Some(""), Some("max.bin")));
}

#[tokio::test]
async fn files_uploaded_while_opening_a_ticket_arrive_with_it() {
    let app = spawn_app().await;
    let owner = app.browser_with(&app.cookie_for(Role::User, "owner@example.com").await);
    let other = app.browser_with(&app.cookie_for(Role::User, "other@example.com").await);
    let agent = app.browser_with(&app.cookie_for(Role::Agent, "agent@example.com").await);
    let url = |ticket: &str| format!("{}/api/attachments/upload?{ticket}name=notes.txt", owner.base_url);
    let upload = async |browser: &crate::common::Browser| {
        let response = browser.client.post(url("")).body("the steps I took").send().await.unwrap();
        (response.status(), response.json::<serde_json::Value>().await.unwrap_or_default())
    };
    let (status, notes) = upload(&owner).await;
    assert_eq!(status, StatusCode::OK, "{notes}");
    // Staff do not open tickets: their files always name one.
    assert_eq!(upload(&agent).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, others) = upload(&other).await;

    // Someone else's upload cannot come along: refused, and no ticket stored.
    let create = async |ids: String| {
        owner.post_json("/api/tickets/create", &[("description", "See the notes"), ("attachment_ids", &ids)]).await
    };
    let (status, body) = create(format!("{},{}", notes["id"], others["id"])).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("attachment_ids")), "{body}");
    assert_eq!(app.count("tickets").await, 0);

    let (status, ticket) = create(notes["id"].to_string()).await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    let id = ticket["id"].as_i64().unwrap();
    let (_, timeline) = agent.get_json(&format!("/api/tickets/timeline?ticket_id={id}")).await;
    let message = &timeline["items"][0]["Message"];
    assert_eq!((message["seq"].as_i64(), message["content"].as_str()), (Some(1), Some("")), "{timeline}");
    assert_eq!(message["attachments"][0]["name"], "notes.txt");
    let link = format!("/api/attachments/{}", notes["token"].as_str().unwrap());
    assert_eq!(agent.get_raw(&link).await.status(), StatusCode::OK, "sent: the ticket's people see it");
    assert_eq!(other.get_raw(&link).await.status(), StatusCode::NOT_FOUND);
    // Used once only.
    assert_eq!(create(notes["id"].to_string()).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    // The list previews a files-only message as such.
    let (_, list) = owner.get_json("/api/tickets/list").await;
    assert_eq!(list["items"][0]["last_message"]["excerpt"], "", "{list}");
}

#[tokio::test]
async fn the_cap_on_unsent_files_holds_when_uploads_race() {
    let app = spawn_app().await;
    let owner = app.browser_with(&app.cookie_for(Role::User, "owner@example.com").await);
    let ticket = owner.new_ticket("Many files at once").await;
    // 25 at once: every one passes the check made before its bytes are read.
    let uploads = (0..25).map(|n| owner.upload(ticket, "burst.txt", format!("file {n}").into_bytes()));
    let statuses: Vec<StatusCode> = futures::future::join_all(uploads).await.into_iter().map(|(status, _)| status).collect();
    let accepted = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((accepted, refused), (20, 5), "{statuses:?}");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM attachments").fetch_one(app.pool()).await.unwrap();
    assert_eq!(stored, 20);
}
