//! The public API of the hand-written layer (`src/`), one item a line, read
//! with syn: what a reviewer needs to see an ergonomic-API change in a pull
//! request, next to the generated client's surface.
//!
//! Every `pub` item of every file is listed with its signature (bodies,
//! docs and private items left out), per file: structs with their public
//! fields, enums with their variants, traits with their methods, the `pub`
//! methods of each `impl` block, constants, type aliases and re-exports. The
//! SDK's own macros are expanded by name: `finals!` lists the future-returning and the
//! blocking method it writes, `listing!` the listing methods, `open_enum!`
//! and `id_type!` the type with its variants or methods.

use std::{
    fmt::Write as _,
    fs,
    path::{Path, PathBuf},
};

use quote::ToTokens;
use syn::{Fields, ImplItem, Item, Visibility};

/// The listing of every `.rs` file below `src_dir`, files in path order,
/// each under a heading `# src/<file>`.
pub fn render(src_dir: &Path) -> Result<String, String> {
    render_as(src_dir, "src")
}

/// [`render`] with the headings under `label` instead of `src`.
pub fn render_as(src_dir: &Path, label: &str) -> Result<String, String> {
    let mut files = Vec::new();
    collect(src_dir, &mut files).map_err(|e| format!("cannot read {}: {e}", src_dir.display()))?;
    files.sort();
    let mut parsed_files = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let parsed = syn::parse_file(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        parsed_files.push((file.clone(), parsed));
    }
    // Implementations of the crate's private traits are not API either.
    let private_traits: Vec<String> = parsed_files
        .iter()
        .flat_map(|(_, parsed)| &parsed.items)
        .filter_map(|item| match item {
            Item::Trait(t) if !is_pub(&t.vis) => Some(t.ident.to_string()),
            _ => None,
        })
        .collect();
    let mut out = String::new();
    for (file, parsed) in &parsed_files {
        if !reachable(src_dir, file, &parsed_files) {
            continue;
        }
        // Trait impls for the file's private types are not API.
        let private: Vec<String> = parsed
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Struct(s) if !is_pub(&s.vis) => Some(s.ident.to_string()),
                Item::Enum(e) if !is_pub(&e.vis) => Some(e.ident.to_string()),
                _ => None,
            })
            .collect();
        let mut lines = Vec::new();
        for item in &parsed.items {
            if let Item::Impl(i) = item
                && let syn::Type::Path(p) = &*i.self_ty
                && p.path.segments.last().is_some_and(|s| private.contains(&s.ident.to_string()))
            {
                continue;
            }
            if let Item::Impl(i) = item
                && let Some((path, _)) = &i.trait_
                && path
                    .segments
                    .last()
                    .is_some_and(|s| private_traits.contains(&s.ident.to_string()))
            {
                continue;
            }
            item_lines(item, &mut lines);
        }
        if lines.is_empty() {
            continue;
        }
        let name = file.strip_prefix(src_dir).unwrap_or(file).display().to_string();
        let _ = writeln!(out, "# {label}/{}", name.replace('\\', "/"));
        for line in lines {
            let _ = writeln!(out, "{line}");
        }
        out.push('\n');
    }
    Ok(out)
}

/// Whether users can reach the items of `file`: the crate root, or a module
/// its parent declares `pub mod`, or re-exports from with `pub use`.
fn reachable(src: &Path, file: &Path, files: &[(PathBuf, syn::File)]) -> bool {
    let relative = file.strip_prefix(src).unwrap_or(file);
    if relative == Path::new("lib.rs") {
        return true;
    }
    let (module, parent) = if relative.file_name().is_some_and(|n| n == "mod.rs") {
        let dir = relative.parent().unwrap_or(Path::new(""));
        (dir.file_name(), dir.parent())
    } else {
        (relative.file_stem(), relative.parent())
    };
    let Some(module) = module.and_then(|m| m.to_str()) else {
        return false;
    };
    let parent = match parent {
        Some(dir) if dir != Path::new("") => {
            let as_file = src.join(format!("{}.rs", dir.display()));
            if files.iter().any(|(p, _)| *p == as_file) {
                as_file
            } else {
                src.join(dir).join("mod.rs")
            }
        }
        _ => src.join("lib.rs"),
    };
    let Some((_, parent)) = files.iter().find(|(p, _)| *p == parent) else {
        return true;
    };
    parent.items.iter().any(|item| match item {
        Item::Mod(m) => m.ident == module && is_pub(&m.vis),
        Item::Use(u) => is_pub(&u.vis) && text(&u.tree).starts_with(&format!("{module}::")),
        _ => false,
    })
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

fn is_pub(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

/// Tokens as Rust text on one line, laid out by prettyplease: the tokens
/// are put in a throwaway item, printed, and taken out again.
fn text(tokens: impl ToTokens) -> String {
    let tokens = tokens.to_token_stream();
    // Types, paths and generics print as the right side of a type alias; a
    // token stream that is no type (fields, use trees) prints as tokens.
    if let Ok(ty) = syn::parse2::<syn::Type>(tokens.clone()) {
        return strip(&unparse(quote::quote!(type __X = #ty;)), "type __X = ", ";");
    }
    if let Ok(generics) = syn::parse2::<syn::Generics>(tokens.clone())
        && !tokens.is_empty()
    {
        return strip(&unparse(quote::quote!(impl #generics __X {})), "impl", " __X {}");
    }
    one_line(&tokens.to_string())
}

fn unparse(tokens: proc_macro2::TokenStream) -> String {
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => tokens.to_string(),
    }
}

fn strip(printed: &str, prefix: &str, suffix: &str) -> String {
    let line = one_line(printed);
    let line = line.strip_prefix(prefix).unwrap_or(&line);
    line.strip_suffix(suffix).unwrap_or(line).trim().to_string()
}

/// Whitespace folded to single spaces, without the spaces and trailing
/// commas a multi-line layout leaves inside brackets.
fn one_line(text: &str) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    folded
        .replace("( ", "(")
        .replace(", )", ")")
        .replace(",)", ")")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace(", }", " }")
        .replace(" :: ", "::")
}

fn signature(sig: &syn::Signature) -> String {
    let mut sig = sig.clone();
    for input in sig.inputs.iter_mut() {
        if let syn::FnArg::Typed(t) = input {
            t.attrs.clear();
        }
    }
    let line = strip(&unparse(quote::quote!(#sig {})), "", " {}");
    // A multi-line `where` clause leaves a trailing comma.
    line.strip_suffix(',').unwrap_or(&line).to_string()
}

/// Print `tokens` inside a throwaway item and take them out again.
fn inside(tokens: proc_macro2::TokenStream, prefix: &str, suffix: &str) -> String {
    strip(&unparse(tokens), prefix, suffix)
}

fn item_lines(item: &Item, out: &mut Vec<String>) {
    match item {
        Item::Struct(s) if is_pub(&s.vis) => {
            let generics = text(&s.generics);
            let fields: Vec<String> = match &s.fields {
                Fields::Named(named) => named
                    .named
                    .iter()
                    .filter(|f| is_pub(&f.vis))
                    .map(|f| format!("{}: {}", f.ident.as_ref().unwrap(), text(&f.ty)))
                    .collect(),
                Fields::Unnamed(unnamed) => unnamed
                    .unnamed
                    .iter()
                    .map(|f| if is_pub(&f.vis) { text(&f.ty) } else { "_".into() })
                    .collect(),
                Fields::Unit => Vec::new(),
            };
            let private = match &s.fields {
                Fields::Named(named) => named.named.iter().any(|f| !is_pub(&f.vis)),
                _ => false,
            };
            let mut fields = fields;
            if private {
                fields.push("..".into());
            }
            let shape = match &s.fields {
                Fields::Named(_) => format!(" {{ {} }}", fields.join(", ")),
                Fields::Unnamed(_) => format!("({})", fields.join(", ")),
                Fields::Unit => String::new(),
            };
            out.push(format!("pub struct {}{generics}{shape}", s.ident));
        }
        Item::Enum(e) if is_pub(&e.vis) => {
            let variants: Vec<String> = e
                .variants
                .iter()
                .map(|v| match &v.fields {
                    Fields::Unit => v.ident.to_string(),
                    // Field types only: their docs are not API.
                    Fields::Named(named) => {
                        let fields: Vec<String> = named
                            .named
                            .iter()
                            .map(|f| format!("{}: {}", f.ident.as_ref().unwrap(), text(&f.ty)))
                            .collect();
                        format!("{} {{ {} }}", v.ident, fields.join(", "))
                    }
                    Fields::Unnamed(unnamed) => {
                        let fields: Vec<String> =
                            unnamed.unnamed.iter().map(|f| text(&f.ty)).collect();
                        format!("{}({})", v.ident, fields.join(", "))
                    }
                })
                .collect();
            out.push(format!(
                "pub enum {}{} {{ {} }}",
                e.ident,
                text(&e.generics),
                variants.join(", ")
            ));
        }
        Item::Trait(t) if is_pub(&t.vis) => {
            let supertraits = if t.supertraits.is_empty() {
                String::new()
            } else {
                let bounds = &t.supertraits;
                format!(": {}", inside(quote::quote!(trait __X: #bounds {}), "trait __X:", " {}"))
            };
            out.push(format!("pub trait {}{}{supertraits}", t.ident, text(&t.generics)));
            for member in &t.items {
                match member {
                    syn::TraitItem::Fn(f) if !hidden(&f.attrs) => {
                        out.push(format!("    {};", signature(&f.sig)));
                    }
                    syn::TraitItem::Type(ty) => out.push(format!("    type {};", text(&ty.ident))),
                    syn::TraitItem::Const(c) => {
                        out.push(format!("    const {}: {};", c.ident, text(&c.ty)))
                    }
                    _ => {}
                }
            }
        }
        Item::Fn(f) if is_pub(&f.vis) => out.push(format!("pub {}", signature(&f.sig))),
        Item::Const(c) if is_pub(&c.vis) => {
            out.push(format!("pub const {}: {}", c.ident, text(&c.ty)))
        }
        Item::Type(t) if is_pub(&t.vis) => {
            out.push(format!("pub type {}{} = {}", t.ident, text(&t.generics), text(&t.ty)))
        }
        Item::Use(u) if is_pub(&u.vis) => {
            let tree = &u.tree;
            out.push(inside(quote::quote!(pub use #tree;), "", ";"));
        }
        Item::Mod(m) if is_pub(&m.vis) => out.push(format!("pub mod {}", m.ident)),
        Item::Impl(i) => {
            let methods: Vec<String> = i
                .items
                .iter()
                .filter_map(|member| match member {
                    ImplItem::Fn(f) if is_pub(&f.vis) && !hidden(&f.attrs) => {
                        Some(format!("    pub {};", signature(&f.sig)))
                    }
                    ImplItem::Macro(m)
                        if m.mac.path.is_ident("setters")
                            || m.mac.path.segments.last().is_some_and(|s| s.ident == "setters") =>
                    {
                        Some(setters(m.mac.tokens.clone()))
                    }
                    ImplItem::Const(c) if is_pub(&c.vis) => {
                        Some(format!("    pub const {}: {};", c.ident, text(&c.ty)))
                    }
                    _ => None,
                })
                .collect();
            let head = match &i.trait_ {
                Some((path, _)) => {
                    format!("impl{} {} for {}", text(&i.generics), text(path), text(&i.self_ty))
                }
                None => format!("impl{} {}", text(&i.generics), text(&i.self_ty)),
            };
            if i.trait_.is_some() {
                // A trait implementation is part of the API; its methods are
                // the trait's.
                out.push(head);
            } else if !methods.is_empty() {
                out.push(format!("{head} {{"));
                out.extend(methods);
                out.push("}".into());
            }
        }
        Item::Macro(m) => macro_lines(m, out),
        _ => {}
    }
}

fn hidden(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("doc")
            && a.to_token_stream().to_string().replace(' ', "").contains("(hidden)")
    })
}

/// The SDK's item-writing macros, by what they write.
fn macro_lines(m: &syn::ItemMacro, out: &mut Vec<String>) {
    let name = m.mac.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
    let tokens = m.mac.tokens.clone();
    match name.as_str() {
        "finals" => {
            // `impl<G> Ty<T> { (docs) pub fn name(args) -> Ret => inner; ... }`
            let body = tokens.to_string();
            let (head, methods) = body.split_once('{').unwrap_or((&body, ""));
            // `impl<G> Ty<T>` written for each client: `Ty<T, Client>`.
            let for_client =
                |client: &str| match syn::parse_str::<syn::ItemImpl>(&format!("{head} {{}}")) {
                    Ok(i) => {
                        let ty = text(&i.self_ty);
                        let ty = match ty.strip_suffix('>') {
                            Some(open) => format!("{open}, {client}>"),
                            None => format!("{ty}<{client}>"),
                        };
                        format!("impl{} {ty}", text(&i.generics))
                    }
                    Err(_) => one_line(head),
                };
            for method in methods.trim_end_matches('}').split(';') {
                let Some(at) = method.find("pub fn") else {
                    continue;
                };
                let sig = method[at + "pub fn".len()..].split("=>").next().unwrap_or("");
                let sig = match syn::parse_str::<syn::Signature>(&format!("fn {sig}")) {
                    Ok(sig) => signature(&sig),
                    Err(_) => one_line(sig),
                };
                // The async face returns the inner method's future as it is.
                let future = match sig.split_once(" -> ") {
                    Some((call, ret)) => format!("{call} -> impl Future<Output = {ret}>"),
                    None => format!("{sig} -> impl Future<Output = ()>"),
                };
                out.push(format!("{} {{ pub {future}; }}", for_client("Client")));
                out.push(format!("{} {{ pub {sig}; }}", for_client("blocking::Client")));
            }
        }
        "listing" => {
            let args = one_line(&tokens.to_string());
            let mut parts = args.split(',').map(str::trim);
            let (builder, item) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let dated = if args.contains("dated") {
                "start_date(DateTime<Utc>), end_date(DateTime<Utc>), client_reference(impl \
                 Into<String>), "
            } else {
                ""
            };
            out.push(format!(
                "listing!({builder}, {item}): {dated}page_size(u32), start_page(u32), \
                 read_ahead(bool), page(&self, u32) -> Result<Page<{item}>>, pages(), items()"
            ));
        }
        "open_enum" | "id_type" | "handlers" | "type_markers" | "bounded" => {
            // `Name { Variant = "wire", ... }` or `Name`, without the docs.
            let body = one_line(&without_attrs(tokens).to_string());
            out.push(format!("{name}! {}", body.replace(" ,", ",")));
        }
        // Definitions, and the standard library's and tokio's item macros
        // (their items are private here).
        "macro_rules" | "task_local" | "thread_local" => {}
        // Another macro that writes items (`sms_methods!(Text)`): as called.
        _ => out.push(format!("{name}!({})", one_line(&tokens.to_string()))),
    }
}

/// The methods a `setters!` block writes: `pub fn name(mut self, ..) -> Self`.
fn setters(tokens: proc_macro2::TokenStream) -> String {
    struct Fns(Vec<syn::ItemFn>);
    impl syn::parse::Parse for Fns {
        fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
            let mut fns = Vec::new();
            while !input.is_empty() {
                fns.push(input.parse()?);
            }
            Ok(Fns(fns))
        }
    }
    match syn::parse2::<Fns>(tokens) {
        Ok(Fns(fns)) => fns
            .iter()
            .map(|f| format!("    pub {} -> Self;", signature(&f.sig)))
            .collect::<Vec<_>>()
            .join("\n"),
        Err(e) => format!("    (setters that do not parse: {e})"),
    }
}

/// The tokens without their attributes (`#[...]`, docs included), in groups
/// too.
fn without_attrs(tokens: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    use proc_macro2::{Group, TokenTree};
    let mut out = Vec::new();
    let mut iter = tokens.into_iter().peekable();
    while let Some(tree) = iter.next() {
        match tree {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                if matches!(iter.peek(), Some(TokenTree::Group(_))) {
                    iter.next();
                    continue;
                }
                out.push(TokenTree::Punct(p));
            }
            TokenTree::Group(g) => {
                let inner = without_attrs(g.stream());
                out.push(TokenTree::Group(Group::new(g.delimiter(), inner)));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

/// What changed between two listings, as `+`/`-` lines under each file.
pub fn summarize(old: &str, new: &str) -> Vec<String> {
    use std::collections::BTreeSet;
    let items = |listing: &str| -> BTreeSet<String> {
        let mut file = String::new();
        let mut head: Option<String> = None;
        let mut out = BTreeSet::new();
        for line in listing.lines() {
            if let Some(name) = line.strip_prefix("# ") {
                file = name.to_string();
            } else if line == "}" {
                head = None;
            } else if let Some(h) = line.strip_suffix(" {").filter(|_| line.starts_with("impl")) {
                head = Some(h.to_string());
            } else if !line.trim().is_empty() {
                match &head {
                    Some(h) if line.starts_with("    ") => {
                        out.insert(format!("{file}: {h}: {}", line.trim()))
                    }
                    _ => out.insert(format!("{file}: {}", line.trim())),
                };
            }
        }
        out
    };
    let (old, new) = (items(old), items(new));
    let mut out: Vec<String> = old.difference(&new).map(|l| format!("- {l}")).collect();
    out.extend(new.difference(&old).map(|l| format!("+ {l}")));
    out
}
