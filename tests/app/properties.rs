//! Property tests: random frames and random text never panic a decoder or a validator, and every
//! refusal is one of the documented answers.

use myrelay::domain::account::{validate_new_account, validate_password};
use myrelay::domain::live::ClientEvent;
use myrelay::chat::repo::validate_message;
use myrelay::codec::decode;
use myrelay::error::{AppError, ErrorCode};
use myrelay::domain::ticket::validate_new_ticket;
use proptest::prelude::*;

const FRAME_CODES: [&str; 4] = ["frame_too_large", "malformed_json", "unknown_event", "invalid_data"];

/// Frames that look like the protocol: known and unknown names, fields of every JSON type.
fn frame_like() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        proptest::sample::select(ClientEvent::NAMES.to_vec()).prop_map(str::to_owned),
        "[a-z:]{0,20}",
    ];
    let value = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|n| if n.is_finite() { n.to_string() } else { "null".into() }),
        any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
        Just("null".to_owned()),
        Just("[1,2,3]".to_owned()),
        Just("{}".to_owned()),
        any::<bool>().prop_map(|b| b.to_string()),
    ];
    let field = proptest::sample::select(vec!["ticket_id", "after_seq", "client_id", "content", "ticket_ids", "x"]);
    (name, proptest::collection::vec((field, value), 0..5)).prop_map(|(name, fields)| {
        let data: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        format!(r#"{{"event":{},"data":{{{}}}}}"#, serde_json::to_string(&name).unwrap(), data.join(","))
    })
}

fn assert_validation(result: Result<impl Sized, AppError>) -> Result<(), TestCaseError> {
    if let Err(err) = result {
        prop_assert_eq!(err.code, ErrorCode::Validation);
        prop_assert!(err.field.is_some(), "a validation error names its field: {:?}", err);
        prop_assert!(!err.message.is_empty());
    }
    Ok(())
}

proptest! {
    #[test]
    fn any_text_frame_decodes_or_gets_a_documented_code(text in any::<String>()) {
        if let Err(refused) = ClientEvent::decode(&text) {
            prop_assert!(FRAME_CODES.contains(&refused.code), "{}", refused.code);
        }
    }

    #[test]
    fn protocol_like_frames_decode_or_get_a_documented_code(text in frame_like()) {
        match ClientEvent::decode(&text) {
            Ok(_) => {}
            Err(refused) => {
                prop_assert!(FRAME_CODES.contains(&refused.code), "{}", refused.code);
                if refused.code == "invalid_data" {
                    prop_assert!(refused.event.is_some());
                }
            }
        }
    }

    #[test]
    fn account_validation_never_panics_and_names_the_field(email in any::<String>(), name in any::<String>(), password in any::<String>()) {
        assert_validation(validate_new_account(&email, &name, &password))?;
        assert_validation(validate_password(&password))?;
    }

    #[test]
    fn accepted_text_has_no_control_characters(subject in any::<String>(), description in any::<String>(), content in any::<String>()) {
        let allowed = |c: char| !c.is_control() || matches!(c, '\n' | '\r' | '\t');
        match validate_new_ticket(Some(&subject), &description) {
            Ok(ticket) => prop_assert!(ticket.description.chars().all(allowed) && ticket.subject.unwrap_or_default().chars().all(allowed)),
            Err(err) => assert_validation(Err::<(), _>(err))?,
        }
        match validate_message("client-1", &content, &[]) {
            Ok(content) => prop_assert!(content.chars().all(allowed)),
            Err(err) => assert_validation(Err::<(), _>(err))?,
        }
    }

    #[test]
    fn any_request_body_decodes_or_gets_a_validation_error(body in proptest::collection::vec(any::<u8>(), 0..200), json in any::<bool>()) {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Args { id: i64, note: Option<String>, active: Option<bool> }
        let media_type = if json { Some("application/json") } else { None };
        if let Err(err) = decode::body::<Args>(media_type, &body) {
            prop_assert_eq!(err.code, ErrorCode::Validation);
        }
    }
}
