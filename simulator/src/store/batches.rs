//! Batches: sending, dry runs, reading, replacing, updating, cancelling,
//! delivery feedback and listing, and batches as JSON.

use super::*;

#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) enum Kind {
    Text,
    Binary,
    Media,
}

impl Kind {
    pub(super) fn wire(self) -> &'static str {
        match self {
            Kind::Text => "mt_text",
            Kind::Binary => "mt_binary",
            Kind::Media => "mt_media",
        }
    }
    pub(super) fn channel(self) -> &'static str {
        if self == Kind::Media { "mms" } else { "sms" }
    }

    /// The kind a request's `type` names (text when it names none).
    pub(super) fn of_request(f: &Fields) -> Res<Kind> {
        match f.string("type")?.as_deref() {
            None | Some("mt_text") => Ok(Kind::Text),
            Some("mt_binary") => Ok(Kind::Binary),
            Some("mt_media") => Ok(Kind::Media),
            Some(other) => Err(ApiError::constraint(format!("Unknown batch type '{other}'"))),
        }
    }
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(super) enum BatchBody {
    Text(String),
    Binary { body: String, udh: String },
    Media { url: String, message: Option<String>, subject: Option<String> },
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct BatchFields {
    pub(super) kind: Kind,
    pub(super) from: Option<String>,
    pub(super) to: Vec<String>,
    pub(super) body: BatchBody,
    pub(super) parameters: Option<Map<String, Value>>,
    #[serde(
        serialize_with = "statics::one::serialize",
        deserialize_with = "statics::one::deserialize"
    )]
    pub(super) delivery_report: statics::Word,
    pub(super) send_at: Option<DateTime<Utc>>,
    pub(super) expire_at: Option<DateTime<Utc>>,
    pub(super) callback_url: Option<String>,
    pub(super) client_reference: Option<String>,
    pub(super) feedback_enabled: bool,
    pub(super) flash_message: bool,
    pub(super) truncate_concat: Option<bool>,
    pub(super) max_parts: Option<i64>,
    pub(super) from_ton: Option<i64>,
    pub(super) from_npi: Option<i64>,
    pub(super) strict_validation: Option<bool>,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct Batch {
    pub(super) id: String,
    pub(super) created_at: DateTime<Utc>,
    pub(super) modified_at: DateTime<Utc>,
    pub(super) canceled: bool,
    pub(super) fields: BatchFields,
    pub(super) dispatched: bool,
    pub(super) messages: Vec<Message>,
    pub(super) report_sent: bool,
    pub(super) feedback: Vec<String>,
    /// Legacy CLX tags, set on create and by the tags endpoints.
    pub(super) tags: Vec<String>,
}

impl State {
    pub fn send_batch(&mut self, plan_id: &str, body: &Map<String, Value>) -> Res<Value> {
        let now = self.clock.now();
        let fields = self.parse_batch(plan_id, body, now)?;
        let tags = Fields(body).strings("tags")?.unwrap_or_default();
        let id = self.new_id();
        let batch = Batch {
            tags,
            id,
            created_at: now,
            modified_at: now,
            canceled: false,
            fields,
            dispatched: false,
            messages: Vec::new(),
            report_sent: false,
            feedback: Vec::new(),
        };
        let json = batch_json(&batch);
        let plan = self.plan(plan_id);
        let index = plan.batches.len();
        plan.batch_ids.insert(batch.id.clone(), index);
        let details = json!({"batch_id": batch.id, "recipients": batch.fields.to.len()});
        plan.batches.push(Box::new(batch));
        self.emit("batch_created", Some(plan_id), details);
        self.schedule_dispatch(plan_id, index);
        self.process();
        Ok(json)
    }

    pub fn dry_run(
        &mut self,
        plan_id: &str,
        body: &Map<String, Value>,
        per_recipient: bool,
        max: usize,
    ) -> Res<Value> {
        let now = self.clock.now();
        let fields = self.parse_batch(plan_id, body, now)?;
        let recipients = self.expand(plan_id, &fields.to);
        let messages: Vec<Message> = recipients.iter().map(|r| render(&fields, r, now)).collect();
        let total: usize = messages.iter().map(|m| m.parts).sum();
        let mut out =
            json!({"number_of_recipients": recipients.len(), "number_of_messages": total});
        if per_recipient {
            out["per_recipient"] = messages
                .iter()
                .take(max)
                .map(|m| json!({"recipient": m.recipient, "number_of_parts": m.parts, "body": m.text(&fields), "encoding": m.encoding}))
                .collect();
        }
        Ok(out)
    }

    pub fn get_batch(&mut self, plan_id: &str, id: &str) -> Option<Value> {
        self.process();
        let plan = self.plan(plan_id);
        plan.batch(id).map(|i| batch_json(&plan.batches[i]))
    }

    pub fn replace_batch(
        &mut self,
        plan_id: &str,
        id: &str,
        body: &Map<String, Value>,
    ) -> Res<Option<Value>> {
        let Some(index) = self.changeable(plan_id, id, "replaced")? else {
            return Ok(None);
        };
        let now = self.clock.now();
        let fields = self.parse_batch(plan_id, body, now)?;
        let tags = Fields(body).strings("tags")?;
        if let Some(tags) = tags {
            self.plan(plan_id).batches[index].tags = tags;
        }
        Ok(Some(self.change_batch(plan_id, index, fields, now)))
    }

    /// The place of batch `id` when it may still change, or why not (it was
    /// dispatched: it cannot be `done`).
    fn changeable(&mut self, plan_id: &str, id: &str, done: &str) -> Res<Option<usize>> {
        self.process();
        let plan = self.plan(plan_id);
        let Some(index) = plan.batch(id) else { return Ok(None) };
        if plan.batches[index].dispatched {
            return Err(ApiError::forbidden(
                "batch_already_dispatched",
                format!("The batch has been dispatched and cannot be {done}"),
            ));
        }
        Ok(Some(index))
    }

    /// Give the batch at `index` its new `fields`: its JSON, after the event
    /// and its dispatch are scheduled anew.
    fn change_batch(
        &mut self,
        plan_id: &str,
        index: usize,
        fields: BatchFields,
        now: DateTime<Utc>,
    ) -> Value {
        let batch = &mut self.plan(plan_id).batches[index];
        batch.fields = fields;
        batch.modified_at = now;
        let json = batch_json(batch);
        let id = batch.id.clone();
        self.emit("batch_changed", Some(plan_id), json!({"batch_id": id}));
        self.schedule_dispatch(plan_id, index);
        self.process();
        json
    }

    pub fn update_batch(
        &mut self,
        plan_id: &str,
        id: &str,
        body: &Map<String, Value>,
    ) -> Res<Option<Value>> {
        let Some(index) = self.changeable(plan_id, id, "updated")? else {
            return Ok(None);
        };
        let now = self.clock.now();
        let existing = &self.plans[plan_id].batches[index].fields;
        let f = Fields(body);
        f.refuse(&["toAdd", "toRemove", "to"])?;
        let kind = Kind::of_request(&f)?;
        if kind != existing.kind {
            return Err(ApiError::constraint(format!(
                "The update is of type {} but the batch is of type {}",
                kind.wire(),
                existing.kind.wire()
            )));
        }
        // Rebuild the batch as a send request with the changes applied, and
        // validate it like a new one.
        let mut merged = request_json(existing);
        for key in ["to_add", "to_remove"] {
            if let Some(list) = f.strings(key)?
                && list.len() > limits::MAX_UPDATE_RECIPIENTS
            {
                return Err(ApiError::constraint(format!(
                    "Field '{key}' may hold at most {} elements",
                    limits::MAX_UPDATE_RECIPIENTS
                )));
            }
        }
        let mut to: Vec<String> = existing.to.clone();
        for added in f.strings("to_add")?.unwrap_or_default() {
            let added = msisdn(&added).unwrap_or(added);
            if !to.contains(&added) {
                to.push(added);
            }
        }
        let removed: Vec<String> = f
            .strings("to_remove")?
            .unwrap_or_default()
            .into_iter()
            .map(|r| msisdn(&r).unwrap_or(r))
            .collect();
        to.retain(|r| !removed.contains(r));
        merged.insert("to".into(), to.into());
        for (key, value) in body {
            if matches!(key.as_str(), "to_add" | "to_remove" | "type") {
                continue;
            }
            let resettable = matches!(
                key.as_str(),
                "delivery_report" | "send_at" | "expire_at" | "callback_url" | "parameters"
            );
            if value.is_null() && resettable {
                merged.remove(key);
            } else {
                merged.insert(key.clone(), value.clone());
            }
        }
        let fields = self.parse_batch(plan_id, &merged, now)?;
        Ok(Some(self.change_batch(plan_id, index, fields, now)))
    }

    pub fn cancel_batch(&mut self, plan_id: &str, id: &str) -> Option<Value> {
        self.process();
        let now = self.clock.now();
        let index = self.plan(plan_id).batch(id)?;
        let batch = &mut self.plan(plan_id).batches[index];
        batch.canceled = true;
        batch.modified_at = now;
        let mut changed = Vec::new();
        for (i, m) in batch.messages.iter_mut().enumerate() {
            if m.status == "Queued" {
                m.status = "Aborted";
                m.code = 407;
                m.at = now;
                m.next = None;
                changed.push(i);
            }
        }
        let json = batch_json(batch);
        self.emit("batch_canceled", Some(plan_id), json!({"batch_id": id}));
        for i in changed {
            self.on_change(plan_id, index, i);
        }
        self.process();
        Some(json)
    }

    pub fn delivery_feedback(
        &mut self,
        plan_id: &str,
        id: &str,
        body: &Map<String, Value>,
    ) -> Res<Option<()>> {
        let f = Fields(body);
        if !f.has("recipients") {
            return Err(ApiError::constraint("Field 'recipients' is required"));
        }
        let recipients = f.strings("recipients")?.unwrap_or_default();
        let plan = self.plan(plan_id);
        let Some(index) = plan.batch(id) else {
            return Ok(None);
        };
        let batch = &mut plan.batches[index];
        if !batch.fields.feedback_enabled {
            return Err(ApiError::constraint("Feedback is not enabled for this batch"));
        }
        let has_group = batch.fields.to.iter().any(|r| msisdn(r).is_none());
        if recipients.is_empty() && has_group {
            return Err(ApiError::constraint(
                "A batch sent to a group needs at least one recipient in its feedback",
            ));
        }
        for r in recipients {
            let r =
                msisdn(&r).ok_or_else(|| ApiError::format(format!("Not a phone number: {r}")))?;
            if !batch.feedback.contains(&r) {
                batch.feedback.push(r);
            }
        }
        Ok(Some(()))
    }

    pub fn list_batches(&mut self, plan_id: &str, q: &ListQuery) -> Value {
        self.process();
        let since = q.start_date.unwrap_or_else(|| self.clock.now() - TimeDelta::hours(24));
        let from: Vec<String> =
            q.list("from").iter().map(|f| msisdn(f).unwrap_or_else(|| f.clone())).collect();
        let tags = q.list("tags");
        let plan = self.plan(plan_id);
        // Batches are in creation order: skip the older ones without looking.
        let first = plan.batches.partition_point(|b| b.created_at < since);
        let matching: Vec<&Batch> = plan.batches[first..]
            .iter()
            .rev()
            .map(|b| &**b)
            .filter(|b| q.end_date.is_none_or(|end| b.created_at < end))
            .filter(|b| {
                from.is_empty()
                    || b.fields
                        .from
                        .as_ref()
                        .is_some_and(|f| from.contains(&msisdn(f).unwrap_or_else(|| f.clone())))
            })
            .filter(|b| {
                q.client_reference
                    .as_ref()
                    .is_none_or(|r| b.fields.client_reference.as_ref() == Some(r))
            })
            .filter(|b| tags.is_empty() || b.tags.iter().any(|x| tags.contains(x)))
            .collect();
        paged(matching, q, "batches", batch_json)
    }
}
