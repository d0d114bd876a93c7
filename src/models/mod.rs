//! What XMS answers: the SDK's response models, one file per area.
//!
//! They sit below the generated client: `openapi/generator.rs` tells
//! progenitor to use them in place of the response types it would write,
//! so an answer is read once, straight into the type the caller gets. The
//! areas re-export them (`xms::batches::Batch` is
//! `crate::models::batches::Batch`), and the generated code names them by
//! those public paths.

pub(crate) mod batches;
pub(crate) mod delivery_reports;
pub(crate) mod groups;
pub(crate) mod inbounds;
pub(crate) mod page;
