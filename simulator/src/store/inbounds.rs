//! Inbound messages: received (injected), read and listed.

use super::*;

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct Inbound {
    pub(super) json: Map<String, Value>,
    pub(super) received_at: DateTime<Utc>,
    pub(super) to: String,
    pub(super) client_reference: Option<String>,
}

impl State {
    /// A message from a phone, as the control API injects it. Returns the
    /// inbound's JSON.
    pub fn receive(&mut self, plan_id: &str, body: &Map<String, Value>) -> Res<Value> {
        let now = self.clock.now();
        let f = Fields(body);
        let from = msisdn(&f.required_string("from")?)
            .ok_or_else(|| ApiError::format("Field 'from' must be a phone number"))?;
        let to_raw = f.required_string("to")?;
        let to = msisdn(&to_raw).unwrap_or(to_raw);
        let kind = f.string("type")?.unwrap_or_else(|| "mo_text".into());
        let id = self.new_id();
        let mut json = Map::new();
        json.insert("type".into(), kind.clone().into());
        json.insert("id".into(), id.clone().into());
        json.insert("from".into(), from.clone().into());
        json.insert("to".into(), to.clone().into());
        let text = match kind.as_str() {
            "mo_text" => {
                let text = f.required_string("body")?;
                json.insert("body".into(), text.clone().into());
                Some(text)
            }
            "mo_binary" => {
                json.insert("body".into(), f.required_string("body")?.into());
                put(&mut json, "udh", f.string("udh")?.map(Value::from));
                None
            }
            "mo_media" => {
                let media = f.object("body")?.cloned().unwrap_or_default();
                let text = media.get("message").and_then(Value::as_str).map(str::to_owned);
                json.insert("body".into(), Value::Object(media));
                text
            }
            other => {
                return Err(ApiError::constraint(format!("Unknown inbound type '{other}'")));
            }
        };
        put(&mut json, "operator_id", f.string("operator_id")?.map(Value::from));
        put(&mut json, "sent_at", f.time("sent_at")?.map(time));
        json.insert("received_at".into(), time(now));
        let client_reference = f.string("client_reference")?;
        put(&mut json, "client_reference", client_reference.clone().map(Value::from));
        let plan = self.plan(plan_id);
        if let Some(text) = &text {
            auto_update_groups(plan, &from, &to, text, now);
        }
        plan.phones.received(&from, now, plan.inbounds.len());
        plan.inbound_ids.insert(id.clone(), plan.inbounds.len());
        plan.inbounds.push(Inbound { json: json.clone(), received_at: now, to, client_reference });
        let inbound_url = plan.config.inbound_url.clone();
        let details = json!({"inbound_id": id, "from": from, "to": json["to"], "body": text});
        self.emit("inbound_received", Some(plan_id), details);
        if let Some(url) = inbound_url {
            self.queue(plan_id, url, &Value::Object(json.clone()));
        }
        Ok(Value::Object(json))
    }

    pub fn get_inbound(&mut self, plan_id: &str, id: &str) -> Option<Value> {
        let plan = self.plan(plan_id);
        plan.inbound_ids.get(id).map(|&i| Value::Object(plan.inbounds[i].json.clone()))
    }

    pub fn list_inbounds(&mut self, plan_id: &str, q: &ListQuery) -> Value {
        let since = q.start_date.unwrap_or_else(|| self.clock.now() - TimeDelta::hours(24));
        let to: Vec<String> =
            q.list("to").iter().map(|t| msisdn(t).unwrap_or_else(|| t.clone())).collect();
        let plan = &self.plans[plan_id];
        let first = plan.inbounds.partition_point(|i| i.received_at < since);
        let inbounds: Vec<&Inbound> = plan.inbounds[first..]
            .iter()
            .rev()
            .filter(|i| q.end_date.is_none_or(|end| i.received_at < end))
            .filter(|i| to.is_empty() || to.contains(&i.to))
            .filter(|i| q.client_reference.is_none() || q.client_reference == i.client_reference)
            .collect();
        paged(inbounds, q, "inbounds", |i| Value::Object(i.json.clone()))
    }

    // --------------------------------------------------------------- tags
}
