//! Delivery reports of a batch and of one recipient, the report listing,
//! and the outbox of everything sent.

use super::*;

pub(super) fn batch_report(b: &Batch, full: bool, statuses: &[String], codes: &[i64]) -> Value {
    let mut groups: BTreeMap<(i64, &str), Vec<&str>> = BTreeMap::new();
    for m in &b.messages {
        if (statuses.is_empty() || statuses.iter().any(|s| s == m.status))
            && (codes.is_empty() || codes.contains(&m.code))
        {
            groups.entry((m.code, m.status)).or_default().push(&m.recipient);
        }
    }
    let statuses: Vec<Value> = groups
        .into_iter()
        .map(|((code, status), recipients)| {
            let mut s = json!({"code": code, "status": status, "count": recipients.len()});
            if full {
                s["recipients"] = recipients.into();
            }
            s
        })
        .collect();
    let mut out = json!({
        "type": format!("delivery_report_{}", b.fields.kind.channel()),
        "batch_id": b.id,
        "total_message_count": b.messages.len(),
        "statuses": statuses,
    });
    if let Some(r) = &b.fields.client_reference {
        out["client_reference"] = r.clone().into();
    }
    out
}

pub(super) fn recipient_report(b: &Batch, m: &Message) -> Value {
    let mut out = Map::new();
    out.insert(
        "type".into(),
        format!("recipient_delivery_report_{}", b.fields.kind.channel()).into(),
    );
    out.insert("batch_id".into(), b.id.clone().into());
    out.insert("recipient".into(), m.recipient.clone().into());
    out.insert("code".into(), m.code.into());
    out.insert("status".into(), m.status.into());
    out.insert("at".into(), time(m.at));
    put(&mut out, "operator_status_at", m.operator_status_at.map(time));
    put(&mut out, "client_reference", b.fields.client_reference.clone().map(Value::from));
    if b.fields.max_parts.is_some() {
        out.insert("number_of_message_parts".into(), m.parts.into());
    }
    Value::Object(out)
}

impl State {
    pub fn batch_report(&mut self, plan_id: &str, id: &str, q: &ListQuery) -> Res<Option<Value>> {
        self.process();
        let full = match q.get("type").as_deref() {
            None | Some("summary") => false,
            Some("full") => true,
            Some(_) => return Ok(None),
        };
        let statuses = q.list("status");
        let codes = q.codes()?;
        let plan = self.plan(plan_id);
        let Some(batch) = plan.batch(id).map(|i| &plan.batches[i]) else {
            return Ok(None);
        };
        if q.client_reference.is_some() && q.client_reference != batch.fields.client_reference {
            return Ok(None);
        }
        Ok(Some(batch_report(batch, full, &statuses, &codes)))
    }

    pub fn recipient_report(&mut self, plan_id: &str, id: &str, recipient: &str) -> Option<Value> {
        self.process();
        let recipient = msisdn(recipient)?;
        let plan = self.plan(plan_id);
        let batch = &plan.batches[plan.batch(id)?];
        let m = batch.messages.iter().find(|m| m.recipient == recipient)?;
        Some(recipient_report(batch, m))
    }

    pub fn list_reports(&mut self, plan_id: &str, q: &ListQuery) -> Res<Value> {
        self.process();
        let since = q.start_date.unwrap_or_else(|| self.clock.now() - TimeDelta::hours(24));
        let statuses = q.list("status");
        let codes = q.codes()?;
        let plan = self.plan(plan_id);
        let mut reports: Vec<(DateTime<Utc>, Value)> = Vec::new();
        for b in &plan.batches {
            if q.client_reference
                .as_ref()
                .is_some_and(|r| b.fields.client_reference.as_ref() != Some(r))
            {
                continue;
            }
            for m in &b.messages {
                let in_window = m.at >= since && q.end_date.is_none_or(|end| m.at < end);
                let wanted = (statuses.is_empty() || statuses.iter().any(|s| s == m.status))
                    && (codes.is_empty() || codes.contains(&m.code));
                if in_window && wanted {
                    reports.push((m.at, recipient_report(b, m)));
                }
            }
        }
        reports.sort_by_key(|r| std::cmp::Reverse(r.0));
        Ok(paged(reports.iter().map(|(_, v)| v).collect(), q, "delivery_reports", |v: &Value| {
            v.clone()
        }))
    }

    pub fn outbox(&mut self, plan_id: Option<&str>) -> Value {
        self.process();
        let mut out = Vec::new();
        for (id, plan) in &self.plans {
            if plan_id.is_some_and(|p| p != id) {
                continue;
            }
            for b in &plan.batches {
                for m in &b.messages {
                    out.push(json!({
                        "service_plan_id": id, "batch_id": b.id, "type": b.fields.kind.wire(),
                        "from": b.fields.from, "to": m.recipient, "body": m.text(&b.fields), "parts": m.parts,
                        "encoding": m.encoding, "status": m.status, "code": m.code, "at": time(m.at),
                    }));
                }
            }
        }
        Value::Array(out)
    }

    // ------------------------------------------------------------- groups
}
