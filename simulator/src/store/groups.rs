//! Groups: creating, reading, changing, replacing, deleting and listing,
//! members of nested groups, and auto-update keywords.

use super::*;

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct Group {
    pub(super) id: String,
    pub(super) name: Option<String>,
    pub(super) members: Vec<String>,
    pub(super) child_groups: Vec<String>,
    pub(super) auto_update: Option<Value>,
    pub(super) created_at: DateTime<Utc>,
    pub(super) modified_at: DateTime<Utc>,
}

pub(super) fn auto_update(value: Option<&Map<String, Value>>) -> Res<Option<Value>> {
    let Some(map) = value else { return Ok(None) };
    let f = Fields(map);
    let to = f.required_string("to")?;
    let mut out = json!({"to": msisdn(&to).unwrap_or(to)});
    for side in ["add", "remove"] {
        if let Some(words) = f.object(side)? {
            let w = Fields(words);
            let mut pair = json!({"first_word": w.required_string("first_word")?});
            if let Some(second) = w.string("second_word")? {
                pair["second_word"] = second.into();
            }
            for word in pair.as_object().expect("built above").values() {
                let word = word.as_str().unwrap_or("");
                if word.is_empty()
                    || word.chars().count() > limits::MAX_KEYWORD_CHARS
                    || word.contains(char::is_whitespace)
                {
                    return Err(ApiError::constraint(format!(
                        "Auto update keywords must be one word of at most {} characters",
                        limits::MAX_KEYWORD_CHARS
                    )));
                }
            }
            out[side] = pair;
        }
    }
    Ok(Some(out))
}

/// Apply the auto update keywords of every group listening on `to`.
pub(super) fn auto_update_groups(
    plan: &mut Plan,
    from: &str,
    to: &str,
    text: &str,
    now: DateTime<Utc>,
) {
    let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
    let matches = |pair: &Value| -> bool {
        let first = pair["first_word"].as_str().map(str::to_lowercase);
        let second = pair["second_word"].as_str().map(str::to_lowercase);
        words.first() == first.as_ref() && (second.is_none() || words.get(1) == second.as_ref())
    };
    for g in plan.groups.iter_mut() {
        let Some(auto) = &g.auto_update else { continue };
        if auto["to"].as_str() != Some(to) {
            continue;
        }
        if auto.get("add").is_some_and(&matches) && !g.members.iter().any(|m| m == from) {
            g.members.push(from.to_string());
            g.modified_at = now;
        } else if auto.get("remove").is_some_and(&matches) {
            g.members.retain(|m| m != from);
            g.modified_at = now;
        }
    }
}

pub(super) fn group_members(plan: &Plan, id: &str, seen: &mut BTreeSet<String>) -> Vec<String> {
    if !seen.insert(id.to_string()) {
        return Vec::new();
    }
    let Some(g) = plan.group(id) else {
        return Vec::new();
    };
    let mut out = g.members.clone();
    for c in &g.child_groups {
        for m in group_members(plan, c, seen) {
            if !out.contains(&m) {
                out.push(m);
            }
        }
    }
    out
}

pub(super) fn group_json(plan: &Plan, g: &Group) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), g.id.clone().into());
    put(&mut out, "name", g.name.clone().map(Value::from));
    out.insert("size".into(), group_members(plan, &g.id, &mut BTreeSet::new()).len().into());
    out.insert("created_at".into(), time(g.created_at));
    out.insert("modified_at".into(), time(g.modified_at));
    // XMS always sends the list, empty or not (the CLX SDK needs it).
    out.insert("child_groups".into(), g.child_groups.clone().into());
    put(&mut out, "auto_update", g.auto_update.clone());
    // Legacy CLX tags, when the group has some.
    if let Some(tags) = plan.tags.get(&g.id).filter(|t| !t.is_empty()) {
        out.insert("tags".into(), tags.clone().into());
    }
    Value::Object(out)
}

impl State {
    pub fn create_group(&mut self, plan_id: &str, body: &Map<String, Value>) -> Res<Value> {
        let now = self.clock.now();
        let f = Fields(body);
        let name = self.check_name(plan_id, f.string("name")?, None)?;
        let members = numbers(
            "members",
            f.strings("members")?.unwrap_or_default(),
            limits::MAX_GROUP_MEMBERS,
        )?;
        let child_groups =
            self.check_children(plan_id, f.strings("child_groups")?.unwrap_or_default())?;
        let auto_update = auto_update(f.object("auto_update")?)?;
        let tags = f.strings("tags")?.unwrap_or_default();
        let id = self.new_id();
        if !tags.is_empty() {
            self.plan(plan_id).tags.insert(id.clone(), tags);
        }
        let group = Group {
            id,
            name,
            members,
            child_groups,
            auto_update,
            created_at: now,
            modified_at: now,
        };
        let plan = self.plan(plan_id);
        plan.add_group(group);
        let plan = &self.plans[plan_id];
        Ok(group_json(plan, &plan.groups[plan.groups.len() - 1]))
    }

    pub fn get_group(&mut self, plan_id: &str, id: &str) -> Option<Value> {
        let plan = self.plan(plan_id);
        plan.group(id).map(|g| group_json(plan, g))
    }

    pub fn group_members(&mut self, plan_id: &str, id: &str) -> Option<Value> {
        let plan = self.plan(plan_id);
        plan.group(id).is_some().then(|| group_members(plan, id, &mut BTreeSet::new()).into())
    }

    pub fn update_group(
        &mut self,
        plan_id: &str,
        id: &str,
        body: &Map<String, Value>,
    ) -> Res<Option<Value>> {
        let now = self.clock.now();
        if self.plans[plan_id].group(id).is_none() {
            return Ok(None);
        }
        let f = Fields(body);
        let add = numbers("add", f.strings("add")?.unwrap_or_default(), limits::MAX_GROUP_MEMBERS)?;
        let remove =
            numbers("remove", f.strings("remove")?.unwrap_or_default(), limits::MAX_GROUP_MEMBERS)?;
        let children_add =
            self.check_children(plan_id, f.strings("child_groups_add")?.unwrap_or_default())?;
        let children_remove = f.strings("child_groups_remove")?.unwrap_or_default();
        let from_group = |key: &str| -> Res<Vec<String>> {
            match f.string(key)? {
                None => Ok(Vec::new()),
                Some(g) => match self.plans[plan_id].group(&g).is_some() {
                    true => Ok(group_members(&self.plans[plan_id], &g, &mut BTreeSet::new())),
                    false => {
                        Err(ApiError::forbidden("unknown_group", format!("Group '{g}' is unknown")))
                    }
                },
            }
        };
        let add_from = from_group("add_from_group")?;
        let remove_from = from_group("remove_from_group")?;
        let name = if f.is_null("name") {
            Some(None)
        } else {
            f.string("name")?.map(|n| self.check_name(plan_id, Some(n), Some(id))).transpose()?
        };
        let auto = if f.is_null("auto_update") {
            Some(None)
        } else {
            auto_update(f.object("auto_update")?)?.map(Some)
        };
        let plan = self.plan(plan_id);
        let Some(group) = plan.group_mut(id) else { return Ok(None) };
        for m in add.into_iter().chain(add_from) {
            if !group.members.contains(&m) {
                group.members.push(m);
            }
        }
        group.members.retain(|m| !remove.contains(m) && !remove_from.contains(m));
        for c in children_add {
            if !group.child_groups.contains(&c) {
                group.child_groups.push(c);
            }
        }
        group.child_groups.retain(|c| !children_remove.contains(c));
        if let Some(name) = name {
            group.name = name;
        }
        if let Some(auto) = auto {
            group.auto_update = auto;
        }
        group.modified_at = now;
        Ok(self.plans[plan_id].group(id).map(|g| group_json(&self.plans[plan_id], g)))
    }

    pub fn replace_group(
        &mut self,
        plan_id: &str,
        id: &str,
        body: &Map<String, Value>,
    ) -> Res<Option<Value>> {
        let now = self.clock.now();
        if self.plans[plan_id].group(id).is_none() {
            return Ok(None);
        }
        let f = Fields(body);
        let members = numbers(
            "members",
            f.strings("members")?
                .ok_or_else(|| ApiError::constraint("Field 'members' is required"))?,
            limits::MAX_GROUP_MEMBERS,
        )?;
        let name = self.check_name(plan_id, f.string("name")?, Some(id))?;
        let child_groups =
            self.check_children(plan_id, f.strings("child_groups")?.unwrap_or_default())?;
        let auto = auto_update(f.object("auto_update")?)?;
        let tags = f.strings("tags")?;
        let plan = self.plan(plan_id);
        if let Some(tags) = tags {
            plan.tags.insert(id.to_string(), tags);
        }
        let Some(group) = plan.group_mut(id) else { return Ok(None) };
        group.members = members;
        group.name = name;
        group.child_groups = child_groups;
        group.auto_update = auto;
        group.modified_at = now;
        Ok(self.plans[plan_id].group(id).map(|g| group_json(&self.plans[plan_id], g)))
    }

    pub fn delete_group(&mut self, plan_id: &str, id: &str) -> bool {
        let plan = self.plan(plan_id);
        let existed = plan.remove_group(id);
        for g in plan.groups.iter_mut() {
            g.child_groups.retain(|c| c != id);
        }
        existed
    }

    pub fn list_groups(&mut self, plan_id: &str, q: &ListQuery) -> Value {
        let tags = q.list("tags");
        let plan = &self.plans[plan_id];
        let groups: Vec<&Group> = plan
            .groups
            .iter()
            .rev()
            .filter(|g| {
                tags.is_empty()
                    || plan.tags.get(&g.id).is_some_and(|t| t.iter().any(|x| tags.contains(x)))
            })
            .collect();
        paged(groups, q, "groups", |g| group_json(plan, g))
    }

    pub(super) fn check_name(
        &self,
        plan_id: &str,
        name: Option<String>,
        this: Option<&str>,
    ) -> Res<Option<String>> {
        if let Some(n) = &name {
            if n.chars().count() > limits::MAX_GROUP_NAME_CHARS {
                return Err(ApiError::constraint(format!(
                    "Field 'name' must be at most {} characters",
                    limits::MAX_GROUP_NAME_CHARS
                )));
            }
            if self.plans[plan_id]
                .groups
                .iter()
                .any(|g| g.name.as_ref() == Some(n) && Some(g.id.as_str()) != this)
            {
                return Err(ApiError::forbidden(
                    "conflict_group_name",
                    format!("A group named '{n}' exists"),
                ));
            }
        }
        Ok(name)
    }

    pub(super) fn check_children(&self, plan_id: &str, children: Vec<String>) -> Res<Vec<String>> {
        if children.len() > limits::MAX_CHILD_GROUPS {
            return Err(ApiError::constraint(format!(
                "Field 'child_groups' may hold at most {} elements",
                limits::MAX_CHILD_GROUPS
            )));
        }
        for c in &children {
            if self.plans[plan_id].group(c).is_none() {
                return Err(ApiError::forbidden(
                    "unknown_group",
                    format!("Group '{c}' is unknown"),
                ));
            }
        }
        Ok(children)
    }

    // ----------------------------------------------------------- inbounds
}
