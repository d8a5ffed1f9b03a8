//! Tickets over server functions: lifecycle, concurrency, visibility, validation and paging,
//! against the real app on a fresh database per test.

use crate::common::{Browser, TestApp, spawn_app, ticket_row};
use myrelay::domain::account::Role;
use myrelay::live::hub::{Hears, Outgoing};
use myrelay::domain::ticket::TicketStatus;
use myrelay::tickets::repo::{TicketSeed, insert_ticket};
use reqwest::StatusCode;
use serde_json::Value;

struct Cast {
    owner: Browser,
    other_user: Browser,
    agent_a: Browser,
    agent_b: Browser,
    admin: Browser,
    owner_id: i64,
    agent_a_id: i64,
    agent_b_id: i64,
}

async fn cast(app: &TestApp) -> Cast {
    let owner = app.signed_in_user("owner@example.com").await;
    let other_user = app.signed_in_user("other@example.com").await;
    let agent_a = app.signed_in_as(Role::Agent, "agent.a@example.com").await;
    let agent_b = app.signed_in_as(Role::Agent, "agent.b@example.com").await;
    let admin = app.signed_in_as(Role::Admin, "admin@example.com").await;
    let (owner_id, agent_a_id, agent_b_id) = (owner.id().await, agent_a.id().await, agent_b.id().await);
    Cast { owner, other_user, agent_a, agent_b, admin, owner_id, agent_a_id, agent_b_id }
}

/// A ticket of `owner` in `status`, assigned to agent A unless open.
async fn seeded(app: &TestApp, cast: &Cast, status: TicketStatus) -> i64 {
    let seed = TicketSeed {
        created_by: cast.owner_id,
        subject: Some("Seeded"),
        description: "A seeded ticket",
        status,
        assigned_agent_id: (status != TicketStatus::Open).then_some(cast.agent_a_id),
    };
    insert_ticket(app.pool(), &seed).await.unwrap()
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Act {
    AssignSelf,
    AssignAgentB,
    Resolve,
    Close,
    Reopen,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Owner,
    OtherUser,
    AgentA,
    AgentB,
    Admin,
}

async fn act(cast: &Cast, who: Who, act: Act, id: i64, version: i32) -> (StatusCode, Value) {
    let browser = match who {
        Who::Owner => &cast.owner,
        Who::OtherUser => &cast.other_user,
        Who::AgentA => &cast.agent_a,
        Who::AgentB => &cast.agent_b,
        Who::Admin => &cast.admin,
    };
    let (id, version, agent_b) = (id.to_string(), version.to_string(), cast.agent_b_id.to_string());
    match act {
        Act::AssignSelf => browser.post_json("/api/tickets/assign", &[("id", &id), ("version", &version)]).await,
        Act::AssignAgentB => {
            browser.post_json("/api/tickets/assign", &[("id", &id), ("version", &version), ("agent_id", &agent_b)]).await
        }
        Act::Resolve | Act::Close | Act::Reopen => {
            let action = format!("{act:?}").to_lowercase();
            browser.post_json("/api/tickets/status", &[("id", &id), ("version", &version), ("action", &action)]).await
        }
    }
}

#[tokio::test]
async fn the_transition_table_holds_for_every_status_action_and_role() {
    use Act::*;
    use TicketStatus::*;
    use Who::*;
    let app = spawn_app().await;
    let cast = cast(&app).await;

    // Every allowed (from, action, actor) with the status it leads to; everything else is refused.
    let allowed = [
        (Open, AssignSelf, AgentA, Assigned),
        (Open, AssignSelf, AgentB, Assigned),
        (Open, AssignSelf, Admin, Assigned),
        (Open, AssignAgentB, AgentB, Assigned), // agent B naming themselves
        (Open, AssignAgentB, Admin, Assigned),
        (Open, Close, Admin, Closed),
        (Assigned, AssignSelf, Admin, Assigned),
        (Assigned, AssignAgentB, Admin, Assigned),
        (Assigned, Resolve, AgentA, Resolved),
        (Assigned, Resolve, Admin, Resolved),
        (Assigned, Close, Admin, Closed),
        (Resolved, Close, AgentA, Closed),
        (Resolved, Close, Admin, Closed),
        (Resolved, Reopen, AgentA, Assigned),
        (Resolved, Reopen, Admin, Assigned),
        (Resolved, Reopen, Owner, Assigned),
    ];
    for from in [Open, Assigned, Resolved, Closed] {
        for action in [AssignSelf, AssignAgentB, Resolve, Close, Reopen] {
            for who in [Owner, OtherUser, AgentA, AgentB, Admin] {
                let id = seeded(&app, &cast, from).await;
                let before = ticket_row(&app, id).await;
                let (status, body) = act(&cast, who, action, id, before.2).await;
                let after = ticket_row(&app, id).await;
                let case = format!("{from:?} --{action:?}--> by {who:?}: {status} {body}");
                match allowed.iter().find(|(f, a, w, _)| (*f, *a, *w) == (from, action, who)) {
                    Some((_, _, _, to)) => {
                        assert_eq!(status, StatusCode::OK, "{case}");
                        assert_eq!(after.0, to.as_str(), "{case}");
                        assert_eq!(after.2, before.2 + 1, "{case}: version bumps");
                        assert_eq!(body["status"], to.as_str(), "{case}: the answer shows the new state");
                    }
                    None => {
                        assert!(status.is_client_error(), "{case}");
                        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{case}: says why");
                        assert_eq!(after, before, "{case}: nothing changes");
                    }
                }
            }
        }
    }
}

#[tokio::test]
async fn transitions_set_their_timestamps_and_record_events() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let id = cast.owner.new_ticket("Printer is on fire").await;
    // Listed in the ticket's room as a socket would be.
    let (listener, mut events, _) = app.state.hub.register(0, b"test", Hears::Agents(Vec::new()));
    app.state.hub.enter_room(listener.id, id);

    let steps = [(Act::AssignSelf, "ticket:assigned"), (Act::Resolve, "ticket:status:updated"), (Act::Reopen, "ticket:status:updated"), (Act::Resolve, "ticket:status:updated"), (Act::Close, "ticket:status:updated")];
    for (n, (step, event_name)) in steps.into_iter().enumerate() {
        let version = ticket_row(&app, id).await.2;
        let (status, body) = act(&cast, Who::AgentA, step, id, version).await;
        assert_eq!(status, StatusCode::OK, "{step:?}: {body}");
        let Some(Outgoing::Entry(entry)) = events.recv().await else { panic!("an entry per change") };
        let frame: Value = serde_json::from_str(entry.frame.as_str()).unwrap();
        assert_eq!((entry.ticket_id, entry.seq, frame["event"].as_str()), (id, n as i64 + 1, Some(event_name)));
        // Then the ticket as it now stands, for staff and (a change they see) for its customer.
        let Some(Outgoing::TicketUpdated(frames)) = events.recv().await else { panic!("a report per change") };
        let report: Value = serde_json::from_str(frames.for_staff.as_str()).unwrap();
        assert_eq!((report["event"].as_str(), &report["data"]["ticket"]["version"]), (Some("ticket:updated"), &body["version"]), "{report}");
        assert!(frames.for_customer.is_some());
        match step {
            Act::Resolve => assert!(body["resolved_at"].is_string()),
            Act::Reopen => assert!(body["resolved_at"].is_null(), "reopening clears resolved_at"),
            Act::Close => assert!(body["closed_at"].is_string()),
            _ => assert_eq!(body["assigned_agent"]["id"], cast.agent_a_id),
        }
    }
    let recorded: Vec<(i64, String, String, i64)> = sqlx::query_as(
        "SELECT seq, from_status::TEXT, to_status::TEXT, actor_id FROM ticket_events WHERE ticket_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(app.pool())
    .await
    .unwrap();
    let path: Vec<(&str, &str)> = recorded.iter().map(|(_, f, t, _)| (f.as_str(), t.as_str())).collect();
    assert_eq!(path, [("open", "assigned"), ("assigned", "resolved"), ("resolved", "assigned"), ("assigned", "resolved"), ("resolved", "closed")]);
    assert!(recorded.iter().all(|r| r.3 == cast.agent_a_id));
}

#[tokio::test]
async fn two_agents_assigning_at_once_exactly_one_wins() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    for round in 0..20 {
        let id = cast.owner.new_ticket(&format!("Race {round}")).await;
        let (a, b) = tokio::join!(act(&cast, Who::AgentA, Act::AssignSelf, id, 1), act(&cast, Who::AgentB, Act::AssignSelf, id, 1));
        let (winner, loser, winner_id) = match (a.0, b.0) {
            (StatusCode::OK, StatusCode::CONFLICT) => (a, b, cast.agent_a_id),
            (StatusCode::CONFLICT, StatusCode::OK) => (b, a, cast.agent_b_id),
            other => panic!("round {round}: expected one winner, got {other:?}"),
        };
        assert_eq!(winner.1["assigned_agent"]["id"], winner_id);
        assert_eq!(loser.1["message"], "This ticket is already assigned to Staff Person.", "round {round}");
        assert_eq!(ticket_row(&app, id).await, ("assigned".into(), Some(winner_id), 2));
        let events: i64 = sqlx::query_scalar("SELECT count(*) FROM ticket_events WHERE ticket_id = $1").bind(id).fetch_one(app.pool()).await.unwrap();
        assert_eq!(events, 1, "round {round}");
        // Both screens can now load the truth.
        let (_, seen_by_loser) = cast.agent_a.get_json(&format!("/api/tickets/get?id={id}")).await;
        assert_eq!(seen_by_loser["assigned_agent"]["id"], winner_id);
    }
}

#[tokio::test]
async fn a_change_based_on_a_stale_view_is_refused() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let id = seeded(&app, &cast, TicketStatus::Assigned).await;
    // The admin reassigns to agent B (version 1 → 2) while agent A's screen still shows version 1.
    assert_eq!(act(&cast, Who::Admin, Act::AssignAgentB, id, 1).await.0, StatusCode::OK);
    let (status, body) = act(&cast, Who::Admin, Act::Resolve, id, 1).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["message"].as_str().unwrap().contains("changed by someone else"), "{body}");
    assert_eq!(ticket_row(&app, id).await, ("assigned".into(), Some(cast.agent_b_id), 2));
}

#[tokio::test]
async fn visibility_and_roles_are_enforced_on_every_function() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let anonymous = app.browser();
    let id = cast.owner.new_ticket("Mine only").await;
    let target = cast.owner_id.to_string();
    let get = format!("/api/tickets/get?id={id}");
    let messages = format!("/api/tickets/messages?ticket_id={id}");
    let timeline = format!("/api/tickets/timeline?ticket_id={id}");
    let notes = format!("/api/tickets/notes?ticket_id={id}");

    let reads: [(&str, [StatusCode; 5]); 8] = [
        // anonymous, owner, other user, agent, admin
        (&get, [StatusCode::UNAUTHORIZED, StatusCode::OK, StatusCode::NOT_FOUND, StatusCode::OK, StatusCode::OK]),
        (&messages, [StatusCode::UNAUTHORIZED, StatusCode::OK, StatusCode::NOT_FOUND, StatusCode::OK, StatusCode::OK]),
        (&timeline, [StatusCode::UNAUTHORIZED, StatusCode::OK, StatusCode::NOT_FOUND, StatusCode::OK, StatusCode::OK]),
        // Internal notes and the team's presence are staff's alone, whoever owns the ticket.
        (&notes, [StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::OK, StatusCode::OK]),
        ("/api/presence/team", [StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::OK, StatusCode::OK]),
        ("/api/tickets/list", [StatusCode::UNAUTHORIZED, StatusCode::OK, StatusCode::OK, StatusCode::OK, StatusCode::OK]),
        ("/api/admin/stats", [StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::OK]),
        ("/api/admin/users", [StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::OK]),
    ];
    let everyone = [&anonymous, &cast.owner, &cast.other_user, &cast.agent_a, &cast.admin];
    for (path, expected) in reads {
        for (browser, want) in everyone.iter().zip(expected) {
            let (status, body) = browser.get_json(path).await;
            assert_eq!(status, want, "{path}: {body}");
            if status == StatusCode::NOT_FOUND {
                assert_eq!(body["code"], "not_found");
                assert!(!body.to_string().contains("Mine only"), "no data leaks");
            }
        }
    }
    // Lists hold only what each may see.
    let (_, other_list) = cast.other_user.get_json("/api/tickets/list").await;
    assert_eq!(other_list["items"], Value::Array(vec![]));
    let (_, owner_list) = cast.owner.get_json("/api/tickets/list").await;
    assert_eq!(owner_list["items"][0]["id"], id);

    let note_ticket = id.to_string();
    // A write, its fields, and the status each of `everyone` gets (anonymous, owner, other user, agent, admin).
    type Write<'a> = (&'a str, Vec<(&'a str, &'a str)>, [StatusCode; 5]);
    let writes: [Write; 7] = [
        ("/api/tickets/create", vec![("description", "x")], [StatusCode::UNAUTHORIZED, StatusCode::OK, StatusCode::OK, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN]),
        ("/api/tickets/assign", vec![("id", "0"), ("version", "1")], [StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::NOT_FOUND, StatusCode::NOT_FOUND]),
        ("/api/tickets/status", vec![("id", "0"), ("version", "1"), ("action", "close")], [StatusCode::UNAUTHORIZED, StatusCode::NOT_FOUND, StatusCode::NOT_FOUND, StatusCode::NOT_FOUND, StatusCode::NOT_FOUND]),
        ("/api/admin/set-role", vec![("user_id", &target), ("role", "user")], [StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::OK]),
        ("/api/admin/set-active", vec![("user_id", &target), ("active", "true")], [StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::OK]),
        (
            "/api/tickets/add-note",
            vec![("ticket_id", &note_ticket), ("client_id", "matrix"), ("content", "staff only")],
            [StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::OK, StatusCode::OK],
        ),
        ("/api/presence/away", vec![("away", "false")], [StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::OK, StatusCode::OK]),
    ];
    for (path, fields, expected) in writes {
        for (browser, want) in everyone.iter().zip(expected) {
            let (status, body) = browser.post_json(path, &fields).await;
            assert_eq!(status, want, "{path}: {body}");
        }
    }
    // The notes staff wrote show nowhere the owner looks.
    for path in [&get, &messages, &timeline, &"/api/tickets/list".to_owned(), &"/api/search?q=staff".to_owned()] {
        let (_, body) = cast.owner.get_json(path).await;
        assert!(!body.to_string().contains("staff only"), "{path}: {body}");
    }
    // The other user cannot act on the owner's ticket either: it does not exist for them.
    let version = ticket_row(&app, id).await.2.to_string();
    let (status, _) = cast.other_user.post_json("/api/tickets/status", &[("id", &id.to_string()), ("version", &version), ("action", "reopen")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn ticket_input_is_validated_and_nothing_is_stored_on_error() {
    let app = spawn_app().await;
    let user = app.signed_in_user("val@example.com").await;
    let long_description = "d".repeat(10_001);
    let long_subject = "s".repeat(201);
    for (subject, description, field) in [
        ("Subject", "", "description"),
        ("Subject", "   \n  ", "description"),
        ("Subject", long_description.as_str(), "description"),
        (long_subject.as_str(), "Fine", "subject"),
    ] {
        let response = user.create_ticket(subject, description).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["field"], field, "{body}");
    }
    assert_eq!(app.count("tickets").await, 0);

    let response = user.create_ticket("  ", &format!("  {}  ", "d".repeat(10_000))).await;
    assert_eq!(response.status(), StatusCode::OK);
    let ticket: Value = response.json().await.unwrap();
    assert_eq!(ticket["subject"], Value::Null, "a blank subject is no subject");
    assert_eq!(ticket["description"].as_str().unwrap().len(), 10_000);
    assert_eq!(ticket["status"], "open");

    let (status, body) = user.get_json("/api/tickets/list?status=bogus").await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("status")));
    let (status, _) = user.get_json("/api/tickets/list?limit=0").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = user.get_json("/api/tickets/list?cursor=garbage").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn paging_is_stable_while_tickets_arrive() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    for n in 0..25 {
        cast.owner.new_ticket(&format!("Ticket {n}")).await;
    }
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let (status, page) = cast.agent_a.get_json(&format!("/api/tickets/list?limit=10&cursor={cursor}")).await;
        assert_eq!(status, StatusCode::OK);
        seen.extend(page["items"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()));
        // A ticket created mid-way appears at the top, not in the pages still to come.
        if seen.len() == 10 {
            cast.owner.new_ticket("Late arrival").await;
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    let mut expected = seen.clone();
    expected.sort_unstable_by(|a, b| b.cmp(a));
    expected.dedup();
    assert_eq!(seen, expected, "newest first, no duplicates");
    assert_eq!(seen.len(), 25);
}

#[tokio::test]
async fn the_inbox_filters_by_status_and_assignment() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let open = seeded(&app, &cast, TicketStatus::Open).await;
    let mine = seeded(&app, &cast, TicketStatus::Assigned).await;
    let closed = seeded(&app, &cast, TicketStatus::Closed).await;
    let ids = |body: Value| -> Vec<i64> { body["items"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect() };

    let (_, all) = cast.agent_a.get_json("/api/tickets/list").await;
    assert_eq!(ids(all), [mine, open], "agents do not see closed tickets by default");
    let (_, with_closed) = cast.agent_a.get_json("/api/tickets/list?include_closed=true").await;
    assert_eq!(ids(with_closed), [closed, mine, open]);
    let (_, unassigned) = cast.agent_a.get_json("/api/tickets/list?assignment=unassigned").await;
    assert_eq!(ids(unassigned), [open]);
    let (_, assigned_to_a) = cast.agent_a.get_json("/api/tickets/list?assignment=mine").await;
    assert_eq!(ids(assigned_to_a), [mine]);
    let (_, assigned_to_b) = cast.agent_b.get_json("/api/tickets/list?assignment=mine").await;
    assert_eq!(ids(assigned_to_b), Vec::<i64>::new());
    let (_, by_status) = cast.agent_a.get_json("/api/tickets/list?status=closed").await;
    assert_eq!(ids(by_status), [closed]);
    let (_, admin_all) = cast.admin.get_json("/api/tickets/list").await;
    assert_eq!(ids(admin_all), [closed, mine, open], "admins see everything");
}

/// The server renders a page once: each ticket is one row. (It rendered the app frame three
/// times, the inbox's list with it: three times the queries and the data.) The browser keeps the
/// rows current from data, so each ticket is also sent once as data, and only once.
#[tokio::test]
async fn a_list_page_renders_each_ticket_once_and_sends_its_data_once() {
    let app = spawn_app().await;
    let owner = app.signed_in_user("ann@example.com").await;
    let agent = app.signed_in_as(Role::Agent, "abe@example.com").await;
    let id = owner.new_ticket("The printer prints zebra-stripes-7f3a on every page").await;
    // A row shows a description's start only: the rest is not sent with the list.
    owner.new_ticket(&format!("A long story {} with its end in tail-marker-9c1e", "and so on ".repeat(40))).await;

    for path in ["/app/inbox", "/app/tickets"] {
        let browser = if path == "/app/inbox" { &agent } else { &owner };
        let html = browser.page(path).await.text().await.unwrap();
        assert_eq!(html.matches(&format!("data-ticket-id=\"{id}\"")).count(), 1, "{path}: the ticket's row once");
        let carrying = html.split("__RESOLVED_RESOURCES[").skip(1).filter(|data| data.contains("zebra-stripes-7f3a")).count();
        assert_eq!(carrying, 1, "{path}: the ticket once as data, for the browser to keep its row current");
        assert!(html.contains("A long story") && !html.contains("tail-marker-9c1e"), "{path}: a long description's start only");
    }
}

#[tokio::test]
async fn admins_manage_people_and_see_the_counts() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    cast.owner.new_ticket("One").await;
    let (status, stats) = cast.admin.get_json("/api/admin/stats").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((stats["tickets_total"].as_i64(), stats["tickets_open"].as_i64()), (Some(1), Some(1)));
    assert_eq!((stats["users_total"].as_i64(), stats["agents_total"].as_i64()), (Some(2), Some(2)));

    // Promote the other user to agent, then deactivate them: their session ends at once.
    let other_id = cast.other_user.id().await.to_string();
    let (status, user) = cast.admin.post_json("/api/admin/set-role", &[("user_id", &other_id), ("role", "agent")]).await;
    assert_eq!((status, user["role"].as_str()), (StatusCode::OK, Some("agent")));
    let (status, user) = cast.admin.post_json("/api/admin/set-active", &[("user_id", &other_id), ("active", "false")]).await;
    assert_eq!((status, user["is_active"].as_bool()), (StatusCode::OK, Some(false)));
    assert!(cast.other_user.me().await.is_null());

    let admin_id = cast.admin.id().await.to_string();
    let (status, _) = cast.admin.post_json("/api/admin/set-role", &[("user_id", &admin_id), ("role", "user")]).await;
    assert_eq!(status, StatusCode::CONFLICT, "no demoting yourself");
    let (status, _) = cast.admin.post_json("/api/admin/set-active", &[("user_id", &admin_id), ("active", "false")]).await;
    assert_eq!(status, StatusCode::CONFLICT, "no deactivating yourself");

    let (_, agents) = cast.admin.get_json("/api/admin/users?role=agent").await;
    assert_eq!(agents["items"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn the_timeline_names_who_changed_what_between_the_messages() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let id = cast.owner.new_ticket("Printer on fire").await;
    let (_, ticket) = cast.agent_a.get_json(&format!("/api/tickets/get?id={id}")).await;
    let version = ticket["version"].to_string();
    // The admin hands it to agent B, who resolves it.
    let (status, _) = cast
        .admin
        .post_json("/api/tickets/assign", &[("id", &id.to_string()), ("version", &version), ("agent_id", &cast.agent_b_id.to_string())])
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = cast.agent_b.post_json("/api/tickets/status", &[("id", &id.to_string()), ("version", "2"), ("action", "resolve")]).await;
    assert_eq!(status, StatusCode::OK);

    let (status, page) = cast.owner.get_json(&format!("/api/tickets/timeline?ticket_id={id}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let changes: Vec<&serde_json::Value> = page["items"].as_array().unwrap().iter().map(|e| &e["Change"]).collect();
    assert_eq!(changes.len(), 2, "{page}");
    // Newest first.
    assert_eq!(changes[0]["to_status"], "resolved");
    assert_eq!(changes[0]["actor_id"], cast.agent_b_id);
    assert_eq!(changes[0]["agent_name"], "Staff Person", "still assigned to agent B");
    assert_eq!(changes[1]["to_agent_id"], cast.agent_b_id);
    assert_ne!(changes[1]["actor_id"], cast.agent_b_id, "the admin assigned agent B: {page}");
    assert_eq!(changes[1]["actor_name"], "Staff Person");
    assert_eq!(changes[1]["agent_name"], "Staff Person");

    // Paging: one entry per page, the cursor moves back in seq.
    let (_, first) = cast.owner.get_json(&format!("/api/tickets/timeline?ticket_id={id}&limit=1")).await;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let (_, second) = cast.owner.get_json(&format!("/api/tickets/timeline?ticket_id={id}&limit=1&before={cursor}")).await;
    assert_eq!(second["items"][0]["Change"]["to_agent_id"], cast.agent_b_id);
    assert!(second["next_cursor"].is_null());
}

#[tokio::test]
async fn staff_can_list_the_tickets_one_person_opened() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let mine = cast.owner.new_ticket("Owner's").await;
    cast.other_user.new_ticket("Someone else's").await;
    let (status, page) = cast.agent_a.get_json(&format!("/api/tickets/list?creator={}", cast.owner_id)).await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<i64> = page["items"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![mine]);
    // A user asking for someone else's tickets still sees only their own: none of these.
    let (_, page) = cast.other_user.get_json(&format!("/api/tickets/list?creator={}", cast.owner_id)).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn admins_find_people_by_a_part_of_their_name_or_email() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (status, page) = cast.admin.get_json("/api/admin/users?q=OWNER%40EXAMPLE").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let emails: Vec<&str> = page["items"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap()).collect();
    assert_eq!(emails, vec!["owner@example.com"]);
    let (_, page) = cast.admin.get_json("/api/admin/users?q=staff%20person&role=agent").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2, "both agents: {page}");
    let (status, body) = cast.admin.get_json(&format!("/api/admin/users?q={}", "x".repeat(101))).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("q")));
    let (status, _) = cast.agent_a.get_json("/api/admin/users?q=owner").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
