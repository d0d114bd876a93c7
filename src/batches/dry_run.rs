//! Dry runs: what a batch would cost, as XMS computes it.

use super::DryRunResult;
use crate::{Client, Result, client::AnyClient, raw::types as rt, validate};

/// A dry run being set up; made by [`SendBatch::dry_run`](super::SendBatch::dry_run).
#[derive(Debug)]
#[must_use = "a dry run is only made by .send()"]
pub struct DryRun<H = Client> {
    pub(super) client: H,
    pub(super) request: Result<rt::SendBatchRequest>,
    pub(super) per_recipient: Option<bool>,
    pub(super) number_of_recipients: Option<u32>,
}

impl<H: AnyClient> DryRun<H> {
    /// Include the body, parts and encoding of each recipient's message.
    pub fn per_recipient(mut self, include: bool) -> Self {
        self.per_recipient = Some(include);
        self
    }

    /// Give details for at most this many recipients (100 by default, at
    /// most 1000). Implies [`DryRun::per_recipient`](super::DryRun::per_recipient).
    pub fn number_of_recipients(mut self, count: u32) -> Self {
        self.per_recipient = Some(true);
        self.number_of_recipients = Some(count);
        self
    }
}

impl<H: AnyClient> DryRun<H> {
    async fn send_inner(self) -> Result<DryRunResult> {
        let request = self.request?;
        if let Some(n) = self.number_of_recipients {
            validate::range(
                "number_of_recipients",
                n.into(),
                1,
                validate::MAX_DRY_RUN_RECIPIENTS.into(),
            )?;
        }
        let n = self.number_of_recipients.map(|n| n as i32);
        let per_recipient = self.per_recipient;
        let client = self.client.client();
        client.call(|raw, plan| raw.dry_run_batch(plan, n, per_recipient, &request)).await
    }
}

crate::macros::finals! {
    impl DryRun {
        /// Ask XMS what the batch would cost, without sending it.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// let result = client.batches()
        ///     .text("12345", ["+46701234567"], "Hi ${name}")
        ///     .parameter("name", [("+46701234567", "Ada")], "there")
        ///     .dry_run()
        ///     .per_recipient(true)
        ///     .send()
        ///     .await?;
        /// for r in &result.per_recipient {
        ///     println!("{}: {} part(s) as {}", r.recipient, r.number_of_parts, r.encoding);
        /// }
        /// # Ok(()) }
        /// ```
        pub fn send(self) -> Result<DryRunResult> => send_inner;
    }
}
