//! The legacy CLX tags of batches and groups.

use super::*;

/// A change to tags.
pub enum TagChange {
    Get,
    Replace(Vec<String>),
    Update { add: Vec<String>, remove: Vec<String> },
}

impl State {
    /// The tags of a batch or group; `None` when it does not exist.
    pub fn tags(&mut self, plan_id: &str, owner: &str, change: TagChange) -> Res<Option<Value>> {
        let plan = self.plan(plan_id);
        let tags = if let Some(index) = plan.batch(owner) {
            &mut plan.batches[index].tags
        } else if plan.group(owner).is_some() {
            plan.tags.entry(owner.to_string()).or_default()
        } else {
            return Ok(None);
        };
        match change {
            TagChange::Get => {}
            TagChange::Replace(new) => *tags = new,
            TagChange::Update { add, remove } => {
                for t in add {
                    if !tags.contains(&t) {
                        tags.push(t);
                    }
                }
                tags.retain(|t| !remove.contains(t));
            }
        }
        Ok(Some(json!({"tags": tags})))
    }
}
