//! SLA server functions (see docs/api.md): staff read the targets; admins change them.

use leptos::prelude::*;

use crate::codec::{Form, Query};
use crate::domain::sla::SlaPolicy;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {
    crate::domain::sla::{FORM_FIELDS, parse_duration},
    super::repo,
    crate::domain::account::Role,
    crate::auth::server::require_role,
    crate::ui::flash::with_status,
    crate::i18n::Lang,
    crate::server::state::AppState,
    crate::ui::flash::after_form,
};

crate::server_arguments!(Query: SlaPolicies);
crate::server_arguments!(Form: SaveSlaPolicies);

/// Every priority's targets, most urgent first (agents and admins).
#[server(prefix = "/api/sla", endpoint = "policies", input = Query, output = crate::codec::Json)]
pub async fn sla_policies() -> Result<Vec<SlaPolicy>, AppError> {
    with_status(
        async {
            require_role(&[Role::Agent, Role::Admin])?;
            repo::policies(&AppState::from_context()?.pool).await
        }
        .await,
    )
}

/// Replaces every priority's targets (admins). Each is a time like `30m`, `4h`, `2d`, `1h 30m`
/// or bare minutes; blank (or missing) means no target. Nothing is stored unless all are valid.
/// Open tickets of a changed priority get new due times; stopped clocks keep theirs.
#[server(prefix = "/api/admin/sla", endpoint = "save", input = Form, output = crate::codec::Json)]
#[allow(clippy::too_many_arguments)]
pub async fn save_sla_policies(
    urgent_first_response: Option<String>,
    urgent_resolution: Option<String>,
    high_first_response: Option<String>,
    high_resolution: Option<String>,
    normal_first_response: Option<String>,
    normal_resolution: Option<String>,
    low_first_response: Option<String>,
    low_resolution: Option<String>,
) -> Result<Vec<SlaPolicy>, AppError> {
    // As typed, for the page to show again after a refusal (the values move into the check).
    let typed: Vec<(&str, String)> = FORM_FIELDS
        .iter()
        .flat_map(|(_, first, resolution)| [*first, *resolution])
        .zip([&urgent_first_response, &urgent_resolution, &high_first_response, &high_resolution, &normal_first_response, &normal_resolution, &low_first_response, &low_resolution])
        .map(|(name, value)| (name, value.clone().unwrap_or_default()))
        .collect();
    let result = with_status(
        async {
            let admin = require_role(&[Role::Admin])?;
            let texts = [
                (urgent_first_response, urgent_resolution),
                (high_first_response, high_resolution),
                (normal_first_response, normal_resolution),
                (low_first_response, low_resolution),
            ];
            let mut wanted = Vec::with_capacity(texts.len());
            for ((priority, first_field, resolution_field), (first, resolution)) in FORM_FIELDS.into_iter().zip(texts) {
                wanted.push(SlaPolicy {
                    priority,
                    first_response_minutes: parse_duration(first_field, first.as_deref().unwrap_or_default())?,
                    resolution_minutes: parse_duration(resolution_field, resolution.as_deref().unwrap_or_default())?,
                });
            }
            repo::save_policies(&AppState::from_context()?.pool, &admin, &wanted).await
        }
        .await,
    );
    after_form(result, |_| Some(Lang::detect().texts().sla.saved.to_owned()), typed)
}
