//! The compact API-surface listing: one line per operation and one line per
//! generated type, derived from the spec and the generated code together.
//! It is snapshotted, so a reviewer sees in a few lines what a spec change
//! did to the client; `cargo xtask regen` diffs two listings into a summary.

use std::collections::BTreeMap;

use quote::ToTokens;

use crate::generator;

/// Render the listing. `spec_yaml` is `openapi/xms.yaml`, `code` the
/// generated client.
pub fn render(spec_yaml: &str, code: &str) -> Result<String, String> {
    let spec = generator::parse(spec_yaml)?;
    // The generated code is written unformatted; lay it out first, so that
    // the types print the same way whatever the generator's spacing.
    let code = generator::pretty(code)?;
    let file = syn::parse_file(&code).map_err(|e| format!("generated code does not parse: {e}"))?;
    let methods = operations(&file);
    let mut out = String::from("# operations: METHOD path  fn(params) body -> success ! error\n");
    let mut ops: Vec<String> = Vec::new();
    for (path, method, op) in generator::operations(&spec) {
        let id = op.operation_id.as_deref().unwrap_or("?");
        let function = snake_case(id);
        let generated = methods
            .get(&function)
            .ok_or_else(|| format!("no method generated for {id} ({function})"))?;
        let deprecated = if op.deprecated { " [deprecated]" } else { "" };
        ops.push(format!(
            "{:<6} {path}  {}({}) {} -> {} ! {}{deprecated}",
            method.to_uppercase(),
            generated.function,
            generated.params.join(", "),
            generated.body.as_deref().unwrap_or("-"),
            generated.success,
            generated.error,
        ));
    }
    out.push_str(&ops.join("\n"));
    out.push_str("\n\n# types\n");
    out.push_str(&types(&file).join("\n"));
    out.push('\n');
    Ok(out)
}

struct Operation {
    function: String,
    params: Vec<String>,
    body: Option<String>,
    success: String,
    error: String,
}

/// The methods of the generated `impl Client`, one per operation, keyed
/// by their name (the operationId in snake case).
fn operations(file: &syn::File) -> BTreeMap<String, Operation> {
    let mut out = BTreeMap::new();
    for item in &file.items {
        let syn::Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() || type_string(&imp.self_ty) != "Client" {
            continue;
        }
        for it in &imp.items {
            let syn::ImplItem::Fn(f) = it else { continue };
            let syn::ReturnType::Type(_, output) = &f.sig.output else { continue };
            if f.sig.asyncness.is_none() {
                continue;
            }
            let mut params = Vec::new();
            let mut body = None;
            for input in &f.sig.inputs {
                let syn::FnArg::Typed(arg) = input else { continue };
                let name = arg.pat.to_token_stream().to_string();
                // Borrowed for the call: `&'a str` is shown as `&str`.
                let ty = type_string(&arg.ty).replace("'a", "");
                if name == "body" {
                    body = Some(ty.trim_start_matches('&').to_string());
                } else {
                    params.push(
                        match ty.strip_prefix("Option<").and_then(|t| t.strip_suffix('>')) {
                            Some(t) => format!("{name}?: {t}"),
                            None => format!("{name}: {ty}"),
                        },
                    );
                }
            }
            let (success, error) = split_result(&type_string(output).replace(",>", ">"));
            let function = f.sig.ident.to_string();
            out.insert(function.clone(), Operation { function, params, body, success, error });
        }
    }
    out
}

/// `Result<ResponseValue<T>,Error<E>>` into (T, E).
fn split_result(ty: &str) -> (String, String) {
    let inner = ty.strip_prefix("Result<ResponseValue<").unwrap_or(ty);
    match inner.rfind(">,Error<") {
        Some(i) => {
            let success = &inner[..i];
            let error = inner[i + ">,Error<".len()..].trim_end_matches('>');
            (success.to_string(), if error == "()" { "-".into() } else { error.to_string() })
        }
        None => (ty.to_string(), "?".into()),
    }
}

/// One line per item of `mod types` (the generated types), skipping the
/// conversion impls.
fn types(file: &syn::File) -> Vec<String> {
    let Some(items) = module(&file.items, "types") else {
        return vec![];
    };
    let mut out = Vec::new();
    for item in items {
        match item {
            syn::Item::Struct(s) => {
                let fields: Vec<String> = match &s.fields {
                    syn::Fields::Named(named) => named
                        .named
                        .iter()
                        .map(|f| {
                            let wire = serde_rename(&f.attrs)
                                .unwrap_or_else(|| f.ident.as_ref().unwrap().to_string());
                            format!("{wire}: {}", type_string(&f.ty))
                        })
                        .collect(),
                    syn::Fields::Unnamed(unnamed) => {
                        let inner: Vec<String> =
                            unnamed.unnamed.iter().map(|f| type_string(&f.ty)).collect();
                        out.push(format!("struct {}({})", s.ident, inner.join(", ")));
                        continue;
                    }
                    syn::Fields::Unit => vec![],
                };
                out.push(format!("struct {} {{ {} }}", s.ident, fields.join(", ")));
            }
            syn::Item::Enum(e) => {
                let variants: Vec<String> = e
                    .variants
                    .iter()
                    .map(|v| {
                        let name = serde_rename(&v.attrs).unwrap_or_else(|| v.ident.to_string());
                        match &v.fields {
                            syn::Fields::Unnamed(u) => format!(
                                "{name}({})",
                                u.unnamed
                                    .iter()
                                    .map(|f| type_string(&f.ty))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                            _ => name,
                        }
                    })
                    .collect();
                out.push(format!("enum {} {{ {} }}", e.ident, variants.join(" | ")));
            }
            _ => {}
        }
    }
    out
}

fn module<'a>(items: &'a [syn::Item], name: &str) -> Option<&'a [syn::Item]> {
    items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == name => {
            m.content.as_ref().map(|(_, items)| items.as_slice())
        }
        _ => None,
    })
}

/// The wire name from `#[serde(rename = "...")]`, if any.
fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().filter(|a| a.path().is_ident("serde")).find_map(|a| {
        let text = a.meta.to_token_stream().to_string();
        let start = text.find("rename = \"")? + "rename = \"".len();
        let end = text[start..].find('"')?;
        Some(text[start..start + end].to_string())
    })
}

/// A type, written compactly: no spaces, no `::std::...` paths.
pub fn type_string(ty: &syn::Type) -> String {
    let mut text = ty.to_token_stream().to_string().replace(' ', "");
    for prefix in [
        "::std::option::",
        "::std::vec::",
        "::std::string::",
        "::std::collections::",
        "::std::num::",
        "::std::result::",
        "::serde_json::",
        "crate::",
        "types::",
    ] {
        text = text.replace(prefix, "");
    }
    text
}

fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// What changed between two listings, in one line per change.
pub fn summarize(old: &str, new: &str) -> Vec<String> {
    let (old_ops, old_types) = entries(old);
    let (new_ops, new_types) = entries(new);
    let mut out = Vec::new();
    diff("operation", &old_ops, &new_ops, &mut out);
    diff("type", &old_types, &new_types, &mut out);
    out
}

type Entries = BTreeMap<String, String>;

fn entries(listing: &str) -> (Entries, Entries) {
    let mut ops = BTreeMap::new();
    let mut types = BTreeMap::new();
    let mut in_types = false;
    for line in listing.lines() {
        if line.starts_with("# types") {
            in_types = true;
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if in_types {
            let key = line.split([' ', '(', '{']).nth(1).unwrap_or(line).to_string();
            types.insert(key, line.to_string());
        } else {
            let mut words = line.split_whitespace();
            let key = format!("{} {}", words.next().unwrap_or(""), words.next().unwrap_or(""));
            ops.insert(key, line.to_string());
        }
    }
    (ops, types)
}

fn diff(kind: &str, old: &Entries, new: &Entries, out: &mut Vec<String>) {
    for (key, line) in new {
        match old.get(key) {
            None => out.push(format!("+ {kind} {key}")),
            Some(before) if before != line => {
                out.push(format!("~ {kind} {key}: {}", changed_parts(before, line)))
            }
            Some(_) => {}
        }
    }
    for key in old.keys().filter(|k| !new.contains_key(*k)) {
        out.push(format!("- {kind} {key}"));
    }
}

/// The comma- or pipe-separated parts that appear in only one of two lines.
fn changed_parts(before: &str, after: &str) -> String {
    let split = |s: &str| -> Vec<String> {
        s.replace(" -> ", "|")
            .replace(" ! ", "|")
            .split([',', '|', '{', '}', '(', ')'])
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect()
    };
    let (b, a) = (split(before), split(after));
    let removed: Vec<String> =
        b.iter().filter(|p| !a.contains(p)).map(|p| format!("-{p}")).collect();
    let added: Vec<String> = a.iter().filter(|p| !b.contains(p)).map(|p| format!("+{p}")).collect();
    let parts: Vec<String> = removed.into_iter().chain(added).collect();
    if parts.is_empty() { "reordered".to_string() } else { parts.join("  ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_names_added_removed_and_changed_entries() {
        let old = "# operations\nGET    /a  get_a() - -> A ! -\nGET    /b  get_b() - -> B ! -\n\n# types\nstruct A { x: i32 }\nstruct Gone { y: i32 }\n";
        let new = "# operations\nGET    /a  get_a() - -> A ! -\nPOST   /c  post_c() C -> C ! ApiError\n\n# types\nstruct A { x: i32, z: Option<String> }\nstruct C { q: bool }\n";
        assert_eq!(
            summarize(old, new),
            vec![
                "+ operation POST /c",
                "- operation GET /b",
                "~ type A: +z: Option<String>",
                "+ type C",
                "- type Gone",
            ]
        );
    }
}
