//! One SDK call for every operation of the spec, by operation id: what the
//! completeness test runs against the simulator and the echo test runs
//! against a hostile server. Adding an operation to the spec without a line
//! here fails both, naming it.

#![allow(dead_code)]

use std::{future::Future, pin::Pin};

use xms::Error;

/// A call of one operation through the SDK, its value dropped.
pub type Call = fn(xms::Client) -> Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>;

macro_rules! call {
    (|$c:ident| $body:expr) => {{
        fn run($c: xms::Client) -> Pin<Box<dyn Future<Output = Result<(), Error>> + Send>> {
            Box::pin(async move { $body.await.map(|_| ()) })
        }
        run as Call
    }};
}

/// An id of the right form for every path.
pub const ID: &str = "01ABCDEFGHJKMNPQRSTVWXYZ00";

/// One SDK call for every operation of the spec, by operation id.
pub fn calls() -> Vec<(&'static str, Call)> {
    vec![
        ("SendBatch", call!(|c| c.batches().text("12345", ["+46701234567"], "Hi").send())),
        ("ListBatches", call!(|c| c.batches().list().page(0))),
        ("DryRunBatch", call!(|c| c.batches().text("1", ["+46701234567"], "Hi").dry_run().send())),
        ("GetBatch", call!(|c| c.batches().get(ID))),
        ("UpdateBatch", call!(|c| c.batches().update_text(ID).body("x").send())),
        ("ReplaceBatch", call!(|c| c.batches().text("1", ["+46701234567"], "x").replace(ID))),
        ("CancelBatch", call!(|c| c.batches().cancel(ID))),
        ("SendDeliveryFeedback", call!(|c| c.batches().delivery_feedback(ID, ["+46701234567"]))),
        ("GetBatchDeliveryReport", call!(|c| c.delivery_reports().for_batch(ID).full().send())),
        (
            "GetRecipientDeliveryReport",
            call!(|c| c.delivery_reports().for_recipient(ID, "46701234567").send()),
        ),
        ("ListDeliveryReports", call!(|c| c.delivery_reports().list().page(0))),
        ("CreateGroup", call!(|c| c.groups().create().name("g").members(["+46701234567"]).send())),
        ("ListGroups", call!(|c| c.groups().list().page(0))),
        ("GetGroup", call!(|c| c.groups().get(ID))),
        ("UpdateGroup", call!(|c| c.groups().update(ID).name("g").send())),
        ("ReplaceGroup", call!(|c| c.groups().replace(ID, ["+46701234567"]).send())),
        ("DeleteGroup", call!(|c| c.groups().delete(ID))),
        ("ListGroupMembers", call!(|c| c.groups().members(ID))),
        ("ListInbounds", call!(|c| c.inbounds().list().page(0))),
        ("GetInbound", call!(|c| c.inbounds().get(ID))),
        ("GetBatchTags", call!(|c| c.batches().tags(ID).get())),
        ("ReplaceBatchTags", call!(|c| c.batches().tags(ID).replace(["a"]))),
        ("UpdateBatchTags", call!(|c| c.batches().tags(ID).update(["a"], ["b"]))),
        ("GetGroupTags", call!(|c| c.groups().tags(ID).get())),
        ("ReplaceGroupTags", call!(|c| c.groups().tags(ID).replace(["a"]))),
        ("UpdateGroupTags", call!(|c| c.groups().tags(ID).update(["a"], ["b"]))),
    ]
}
