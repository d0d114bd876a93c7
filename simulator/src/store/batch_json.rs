//! Batches as JSON, both ways: reading a send, replace or dry-run request
//! field by field with XMS's error codes, and writing a batch as XMS
//! answers it.

use super::*;

pub(super) fn batch_json(b: &Batch) -> Value {
    let f = &b.fields;
    let mut out = Map::new();
    out.insert("id".into(), b.id.clone().into());
    // Legacy CLX tags, when the batch has some.
    if !b.tags.is_empty() {
        out.insert("tags".into(), b.tags.clone().into());
    }
    out.insert("type".into(), f.kind.wire().into());
    put(&mut out, "from", f.from.clone().map(Value::from));
    out.insert("to".into(), f.to.clone().into());
    match &f.body {
        BatchBody::Text(t) => {
            out.insert("body".into(), t.clone().into());
        }
        BatchBody::Binary { body, udh } => {
            out.insert("body".into(), body.clone().into());
            out.insert("udh".into(), udh.clone().into());
        }
        BatchBody::Media { url, message, subject } => {
            let mut m = Map::new();
            m.insert("url".into(), url.clone().into());
            put(&mut m, "message", message.clone().map(Value::from));
            put(&mut m, "subject", subject.clone().map(Value::from));
            out.insert("body".into(), Value::Object(m));
        }
    }
    put(&mut out, "parameters", f.parameters.clone().map(Value::Object));
    out.insert("canceled".into(), b.canceled.into());
    out.insert("created_at".into(), time(b.created_at));
    out.insert("modified_at".into(), time(b.modified_at));
    out.insert("delivery_report".into(), f.delivery_report.into());
    put(&mut out, "send_at", f.send_at.map(time));
    out.insert("expire_at".into(), time(expiry(b)));
    put(&mut out, "callback_url", f.callback_url.clone().map(Value::from));
    put(&mut out, "client_reference", f.client_reference.clone().map(Value::from));
    out.insert("feedback_enabled".into(), f.feedback_enabled.into());
    if f.kind == Kind::Media {
        put(&mut out, "strict_validation", f.strict_validation.map(Value::from));
    } else {
        out.insert("flash_message".into(), f.flash_message.into());
        put(&mut out, "truncate_concat", f.truncate_concat.map(Value::from));
        put(&mut out, "max_number_of_message_parts", f.max_parts.map(Value::from));
        put(&mut out, "from_ton", f.from_ton.map(Value::from));
        put(&mut out, "from_npi", f.from_npi.map(Value::from));
    }
    Value::Object(out)
}

/// The batch as a send request, for applying an update to it.
pub(super) fn request_json(f: &BatchFields) -> Map<String, Value> {
    let stored = Batch {
        id: String::new(),
        created_at: Utc::now(),
        modified_at: Utc::now(),
        canceled: false,
        fields: f.clone(),
        dispatched: false,
        messages: Vec::new(),
        report_sent: false,
        feedback: Vec::new(),
        tags: Vec::new(),
    };
    let Value::Object(mut map) = batch_json(&stored) else {
        unreachable!("batch_json builds an object")
    };
    for key in ["id", "canceled", "created_at", "modified_at"] {
        map.remove(key);
    }
    if f.expire_at.is_none() {
        map.remove("expire_at");
    }
    map
}

impl State {
    /// Parse and check a send (or replace, or dry run) request.
    pub(super) fn parse_batch(
        &self,
        plan_id: &str,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> Res<BatchFields> {
        let f = Fields(body);
        let kind = Kind::of_request(&f)?;
        let to = f.strings("to")?.ok_or_else(|| ApiError::constraint("Field 'to' is required"))?;
        if to.len() < limits::MIN_RECIPIENTS || to.len() > limits::MAX_RECIPIENTS {
            return Err(ApiError::constraint(format!(
                "Field 'to' must hold {} to {} elements, not {}",
                limits::MIN_RECIPIENTS,
                limits::MAX_RECIPIENTS,
                to.len()
            )));
        }
        let plan = &self.plans[plan_id];
        let mut recipients = Vec::new();
        for r in to {
            match msisdn(&r) {
                Some(number) => recipients.push(number),
                None if plan.group(&r).is_some() => recipients.push(r),
                None => {
                    return Err(ApiError::forbidden(
                        "unknown_group",
                        format!("Group '{r}' is unknown"),
                    ));
                }
            }
        }
        let from = f.string("from")?;
        if from.as_deref().is_some_and(|s| s.trim().is_empty()) {
            return Err(ApiError::format("Field 'from' must not be empty"));
        }
        let body = match kind {
            Kind::Text => {
                let text = f.required_string("body")?;
                if text.chars().count() > limits::MAX_TEXT_BODY_CHARS {
                    return Err(ApiError::constraint(format!(
                        "Field 'body' must be at most {} characters",
                        limits::MAX_TEXT_BODY_CHARS
                    )));
                }
                BatchBody::Text(text)
            }
            Kind::Binary => {
                use base64::Engine as _;
                let text = f.required_string("body")?;
                let udh = f.required_string("udh")?;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(&text)
                    .map_err(|_| ApiError::format("Field 'body' must be base64"))?;
                if udh.len() % 2 != 0 || !udh.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(ApiError::format("Field 'udh' must be hex"));
                }
                if bytes.len() + udh.len() / 2 > limits::MAX_BINARY_BYTES {
                    return Err(ApiError::constraint(format!(
                        "Fields 'body' and 'udh' must be at most {} bytes together",
                        limits::MAX_BINARY_BYTES
                    )));
                }
                BatchBody::Binary { body: text, udh }
            }
            Kind::Media => {
                let media = f
                    .object("body")?
                    .ok_or_else(|| ApiError::constraint("Field 'body' is required"))?;
                let m = Fields(media);
                BatchBody::Media {
                    url: m.required_string("url")?,
                    message: m.string("message")?,
                    subject: m.string("subject")?,
                }
            }
        };
        // Phone numbers among the parameter keys are normalized like the
        // recipients, so `+46...` and `46...` name the same recipient.
        let parameters = f.object("parameters")?.map(|params| {
            params
                .iter()
                .map(|(key, values)| {
                    let values = match values {
                        Value::Object(v) => Value::Object(
                            v.iter()
                                .map(|(r, x)| (msisdn(r).unwrap_or_else(|| r.clone()), x.clone()))
                                .collect(),
                        ),
                        other => other.clone(),
                    };
                    (key.clone(), values)
                })
                .collect::<Map<String, Value>>()
        });
        if let Some(params) = &parameters {
            if kind == Kind::Binary {
                return Err(ApiError::constraint("Binary batches take no parameters"));
            }
            for (key, values) in params {
                let valid = !key.is_empty()
                    && key.len() <= limits::MAX_PARAMETER_KEY_CHARS
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
                if !valid {
                    return Err(ApiError::constraint(format!(
                        "Parameter key '{key}' is not allowed"
                    )));
                }
                let Value::Object(values) = values else {
                    return Err(ApiError::invalid_json(format!(
                        "Parameter '{key}' must be an object"
                    )));
                };
                for value in values.values() {
                    match value {
                        Value::String(s)
                            if s.chars().count() <= limits::MAX_PARAMETER_VALUE_CHARS => {}
                        Value::String(_) => {
                            return Err(ApiError::constraint(format!(
                                "Parameter values must be at most {} characters",
                                limits::MAX_PARAMETER_VALUE_CHARS
                            )));
                        }
                        _ => {
                            return Err(ApiError::invalid_json(format!(
                                "Values of parameter '{key}' must be strings"
                            )));
                        }
                    }
                }
            }
        }
        let asked = f.string("delivery_report")?.unwrap_or_else(|| "none".into());
        let Some(delivery_report) =
            ["none", "summary", "full", "per_recipient", "per_recipient_final"]
                .into_iter()
                .find(|known| *known == asked)
        else {
            return Err(ApiError::invalid_json(format!("Unknown delivery_report '{asked}'")));
        };
        let send_at = f.time("send_at")?;
        let expire_at = f.time("expire_at")?;
        if let (Some(s), Some(e)) = (send_at, expire_at)
            && e <= s
        {
            return Err(ApiError::constraint("Field 'expire_at' must be after 'send_at'"));
        }
        let latest = send_at
            .unwrap_or(now)
            .checked_add_signed(TimeDelta::days(limits::MAX_EXPIRY_DAYS) + TimeDelta::minutes(1));
        if let Some(e) = expire_at
            && latest.is_none_or(|latest| e > latest)
        {
            return Err(ApiError::constraint(
                "Field 'expire_at' must be at most 3 days after 'send_at'",
            ));
        }
        let callback_url = f.string("callback_url")?;
        if let Some(url) = &callback_url {
            let valid = url.len() <= limits::MAX_URL_CHARS
                && (url.starts_with("http://") || url.starts_with("https://"))
                && url.len() > 8;
            if !valid {
                return Err(ApiError::format(format!(
                    "Field 'callback_url' must be a URL of at most {} characters",
                    limits::MAX_URL_CHARS
                )));
            }
        }
        let client_reference = f.string("client_reference")?;
        if client_reference
            .as_ref()
            .is_some_and(|r| r.chars().count() > limits::MAX_CLIENT_REFERENCE_CHARS)
        {
            return Err(ApiError::constraint(format!(
                "Field 'client_reference' must be at most {} characters",
                limits::MAX_CLIENT_REFERENCE_CHARS
            )));
        }
        let max_parts = f.int("max_number_of_message_parts")?;
        if max_parts.is_some_and(|p| p < limits::MIN_MESSAGE_PARTS) {
            return Err(ApiError::constraint(format!(
                "Field 'max_number_of_message_parts' must be at least {}",
                limits::MIN_MESSAGE_PARTS
            )));
        }
        let from_ton = f.int("from_ton")?;
        if from_ton.is_some_and(|t| !(0..=limits::MAX_FROM_TON).contains(&t)) {
            return Err(ApiError::constraint(format!(
                "Field 'from_ton' must be between 0 and {}",
                limits::MAX_FROM_TON
            )));
        }
        let from_npi = f.int("from_npi")?;
        if from_npi.is_some_and(|t| !(0..=limits::MAX_FROM_NPI).contains(&t)) {
            return Err(ApiError::constraint(format!(
                "Field 'from_npi' must be between 0 and {}",
                limits::MAX_FROM_NPI
            )));
        }
        if delivery_report != "none" && callback_url.is_none() && plan.config.callback_url.is_none()
        {
            return Err(ApiError::forbidden(
                "missing_callback_url",
                "A delivery report was requested but neither the batch nor the service plan has a callback URL",
            ));
        }
        Ok(BatchFields {
            kind,
            from,
            to: recipients,
            body,
            parameters,
            delivery_report,
            send_at,
            expire_at,
            callback_url,
            client_reference,
            feedback_enabled: f.bool("feedback_enabled")?.unwrap_or(false),
            flash_message: f.bool("flash_message")?.unwrap_or(false),
            truncate_concat: f.bool("truncate_concat")?,
            max_parts,
            from_ton,
            from_npi,
            strict_validation: f.bool("strict_validation")?,
        })
    }

    /// Phone numbers and group ids into phone numbers, groups expanded as
    /// they are now, each number once.
    pub(super) fn expand(&self, plan_id: &str, to: &[String]) -> Vec<String> {
        let plan = &self.plans[plan_id];
        let mut out: Vec<String> = Vec::new();
        for r in to {
            if msisdn(r).is_some() {
                if !out.contains(r) {
                    out.push(r.clone());
                }
            } else {
                for m in group_members(plan, r, &mut BTreeSet::new()) {
                    if !out.contains(&m) {
                        out.push(m);
                    }
                }
            }
        }
        out
    }

    // --------------------------------------------------------- lifecycle
}
