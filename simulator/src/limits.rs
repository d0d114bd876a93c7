//! The API's limits as the simulator enforces them. They must equal the ones
//! `openapi/xms.yaml` states, which the SDK's `tests/limits.rs` checks, so a
//! limit changed on one side alone fails the build's tests.

/// Most recipients of one batch (`to`).
pub const MAX_RECIPIENTS: usize = 1000;
/// Fewest recipients of one batch.
pub const MIN_RECIPIENTS: usize = 1;
/// Most characters of a text body.
pub const MAX_TEXT_BODY_CHARS: usize = 2000;
/// Most bytes of a binary body and its user data header together.
pub const MAX_BINARY_BYTES: usize = 140;
/// Most characters of a callback URL.
pub const MAX_URL_CHARS: usize = 2048;
/// Most characters of a client reference.
pub const MAX_CLIENT_REFERENCE_CHARS: usize = 2048;
/// Fewest parts `max_number_of_message_parts` may allow.
pub const MIN_MESSAGE_PARTS: i64 = 1;
/// Highest `from_ton`.
pub const MAX_FROM_TON: i64 = 6;
/// Highest `from_npi`.
pub const MAX_FROM_NPI: i64 = 18;
/// Most recipients added or removed by one batch update.
pub const MAX_UPDATE_RECIPIENTS: usize = 100;
/// Most characters of a parameter key.
pub const MAX_PARAMETER_KEY_CHARS: usize = 16;
/// Most characters of a parameter value.
pub const MAX_PARAMETER_VALUE_CHARS: usize = 160;
/// Most characters of a group name.
pub const MAX_GROUP_NAME_CHARS: usize = 20;
/// Most members given in one group request.
pub const MAX_GROUP_MEMBERS: usize = 10_000;
/// Most child groups of a group.
pub const MAX_CHILD_GROUPS: usize = 10;
/// Most characters of an auto update keyword.
pub const MAX_KEYWORD_CHARS: usize = 15;
/// Most items on one page.
pub const MAX_PAGE_SIZE: usize = 100;
/// Most recipients a dry run gives details of.
pub const MAX_DRY_RUN_RECIPIENTS: usize = 1000;
/// How many days after `send_at` a batch may expire at most (and expires by
/// default).
pub const MAX_EXPIRY_DAYS: i64 = 3;
