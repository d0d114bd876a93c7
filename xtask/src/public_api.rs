//! The public API of the hand-written layer (`src/`), one item a line, read
//! with syn: what a reviewer needs to see an ergonomic-API change in a pull
//! request, next to the generated client's surface.
//!
//! Items are grouped by the module path a user names them by (`xms`,
//! `xms::batches`), not by the file that defines them: an item in a private
//! module is listed where a `pub use` re-exports it, and other public paths
//! to it are noted `(also ...)`. Within a module, items are sorted by name,
//! each followed by its impls; an inherent impl's methods are merged from
//! every file and sorted. So moving an item or a method between files is no
//! change in the listing.
//!
//! Each `pub` item is listed with its signature (bodies, docs and private
//! items left out): structs with their public fields, enums with their
//! variants, traits with their members, methods, constants, type aliases,
//! and re-exports of other crates. The crate's item-writing macros are
//! listed as what they write: `finals!` as the future-returning and the
//! blocking method, `listing!` as the listing methods, `open_enum!` and
//! `id_type!` as the type and the impls their definition writes.

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt::Write as _,
    fs,
    path::{Path, PathBuf},
};

use quote::ToTokens;
use syn::{Fields, ImplItem, Item, Visibility};

/// The listing of the public API of the crate whose sources are below
/// `src_dir`, grouped by the module path a user names each item by
/// (`xms::batches`), so that moving an item between files is no change.
pub fn render(src_dir: &Path) -> Result<String, String> {
    render_as(src_dir, "xms")
}

/// One source file as a module.
struct Module {
    /// Its path below the crate root (`["batches", "send"]`).
    path: Vec<String>,
    parsed: syn::File,
}

type Sections = BTreeMap<Vec<String>, Vec<(String, String)>>;
type Impls = BTreeMap<(Vec<String>, String), Vec<String>>;

/// [`render`] with `label` as the crate's name in the headings.
pub fn render_as(src_dir: &Path, label: &str) -> Result<String, String> {
    let mut files = Vec::new();
    collect(src_dir, &mut files).map_err(|e| format!("cannot read {}: {e}", src_dir.display()))?;
    files.sort();
    let mut modules = Vec::new();
    let mut texts = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        texts.push(text.clone());
        let parsed = syn::parse_file(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        let relative = file.strip_prefix(src_dir).unwrap_or(file).with_extension("");
        let mut path: Vec<String> =
            relative.iter().map(|part| part.to_string_lossy().into_owned()).collect();
        if path.last().is_some_and(|last| last == "mod" || last == "lib") {
            path.pop();
        }
        modules.push(Module { path, parsed });
    }
    let paths = PublicPaths::new(&modules);
    let definitions = definitions(&texts);

    // Implementations of the crate's private traits are not API either.
    let private_traits: Vec<String> = modules
        .iter()
        .flat_map(|m| &m.parsed.items)
        .filter_map(|item| match item {
            Item::Trait(t) if !is_pub(&t.vis) => Some(t.ident.to_string()),
            _ => None,
        })
        .collect();

    let mut sections = Sections::new();
    let mut impls = Impls::new();
    for module in &modules {
        for item in &module.parsed.items {
            match item {
                Item::Impl(i) => {
                    let private_trait = i.trait_.as_ref().is_some_and(|(path, _)| {
                        path.segments
                            .last()
                            .is_some_and(|s| private_traits.contains(&s.ident.to_string()))
                    });
                    let Some(segments) = self_type_path(&i.self_ty) else { continue };
                    let name = segments.last().cloned().unwrap_or_default();
                    let Some(at) = paths.resolve(&modules, module, &segments) else { continue };
                    if private_trait {
                        continue;
                    }
                    let mut lines = Vec::new();
                    item_lines(item, &mut lines);
                    add_impl_lines(&mut impls, &mut sections, &at, &name, lines);
                }
                Item::Macro(m) => {
                    let mut lines = Vec::new();
                    macro_lines(m, &definitions, &mut lines);
                    for line in lines {
                        // A macro's lines go with the type they are about.
                        let name = if line.starts_with("impl") {
                            Some(self_type_from_head(line.split(" { ").next().unwrap_or(&line)))
                        } else {
                            names_of(item).into_iter().next()
                        };
                        let at = name
                            .as_ref()
                            .and_then(|n| paths.of(n))
                            .or_else(|| paths.module(&module.path));
                        if let Some(at) = at {
                            let name = name.unwrap_or_default();
                            add_impl_lines(&mut impls, &mut sections, &at, &name, vec![line]);
                        }
                    }
                }
                Item::Use(u) if is_pub(&u.vis) => {
                    // Re-exports of other crates are API; the crate's own
                    // items are listed where users name them.
                    let leaves = flatten(&u.tree, Vec::new());
                    let own = leaves.iter().all(|(target, _, _)| {
                        let absolute = absolute(&module.path, target, &paths.modules);
                        paths.modules.contains(&absolute)
                    });
                    if !own && let Some(at) = paths.module(&module.path) {
                        let tree = &u.tree;
                        let line = inside(quote::quote!(pub use #tree;), "", ";");
                        sections.entry(at).or_default().push((line.clone(), line));
                    }
                }
                _ => {
                    let Some(name) = item_name(item) else { continue };
                    let mut lines = Vec::new();
                    item_lines(item, &mut lines);
                    if lines.is_empty() {
                        continue;
                    }
                    let Some(at) = paths.defined(&module.path, &name) else { continue };
                    let mut block = lines.join("\n");
                    let also: Vec<String> = paths
                        .all(&module.path, &name)
                        .into_iter()
                        .filter(|p| *p != at)
                        .map(|p| join(label, &p, &name))
                        .collect();
                    if !also.is_empty() {
                        block.push_str(&format!("\n    (also {})", also.join(", ")));
                    }
                    sections.entry(at).or_default().push((format!("{name} 0"), block));
                }
            }
        }
    }
    for ((at, head), mut methods) in impls {
        methods.sort();
        methods.dedup();
        let name = self_type_from_head(&head);
        let block = if methods.is_empty() {
            head
        } else {
            format!("{head} {{\n{}\n}}", methods.join("\n"))
        };
        sections.entry(at).or_default().push((format!("{name} 1 {block}"), block));
    }
    let mut out = String::new();
    for (at, mut blocks) in sections {
        blocks.sort();
        blocks.dedup();
        let heading =
            if at.is_empty() { label.to_owned() } else { format!("{label}::{}", at.join("::")) };
        let _ = writeln!(out, "# {heading}");
        for (_, block) in blocks {
            let _ = writeln!(out, "{block}");
        }
        out.push('\n');
    }
    Ok(out)
}

/// The crate's `macro_rules!` definitions by name, as source text.
type Definitions = BTreeMap<String, String>;

fn definitions(texts: &[String]) -> Definitions {
    let mut out = Definitions::new();
    for text in texts {
        let mut rest = text.as_str();
        while let Some(at) = rest.find("macro_rules! ") {
            let after = &rest[at + "macro_rules! ".len()..];
            let name: String =
                after.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            let Some(open) = after.find('{') else { break };
            let mut depth = 0;
            let mut end = after.len();
            for (i, c) in after[open..].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = open + i + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            out.insert(name, after[open..end].to_owned());
            rest = &after[end.min(after.len())..];
        }
    }
    out
}

/// The impls a macro's definition writes for `name`: trait impls as their
/// heads, inherent impls with their public methods and constants.
fn written_impls(definition: &str, name: &str) -> Vec<String> {
    let text = definition.replace("$name", name);
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("impl") {
        let before = rest[..at].chars().last();
        let after = &rest[at + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') || !after.starts_with([' ', '<'])
        {
            rest = after;
            continue;
        }
        let Some(open) = after.find('{') else { break };
        let head = one_line(&format!("impl{}", &after[..open]));
        let mut depth = 0;
        let mut end = after.len();
        for (i, c) in after[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let block = &after[open + 1..end];
        if head.contains(" for ") {
            out.push(head);
        } else {
            for line in block.lines().map(str::trim) {
                if let Some(member) = line.strip_prefix("pub ") {
                    let sig = member.split(['{', '=']).next().unwrap_or(member);
                    out.push(format!("{head} {{ pub {}; }}", one_line(sig).trim_end_matches(';')));
                }
            }
        }
        rest = &after[end.min(after.len())..];
    }
    out
}

/// Put an impl's lines into the listing: an inherent impl's methods under
/// its head (merged with the same head from other files), a trait impl or
/// a single macro-written line as it is.
fn add_impl_lines(
    impls: &mut Impls,
    sections: &mut Sections,
    at: &[String],
    name: &str,
    lines: Vec<String>,
) {
    let mut head: Option<String> = None;
    for line in lines {
        if let Some(h) = line.strip_suffix(" {") {
            head = Some(h.to_owned());
            impls.entry((at.to_vec(), h.to_owned())).or_default();
        } else if line == "}" {
            head = None;
        } else if let Some(h) = &head {
            impls.entry((at.to_vec(), h.clone())).or_default().push(line);
        } else if let Some((h, method)) = line.split_once(" { ").filter(|_| line.ends_with(" }")) {
            // `impl X { pub fn f(..); }` on one line (finals!).
            let method = method.trim_end_matches(" }");
            impls.entry((at.to_vec(), h.to_owned())).or_default().push(format!("    {method}"));
        } else {
            sections.entry(at.to_vec()).or_default().push((format!("{name} 1 {line}"), line));
        }
    }
}

/// The name of the type an impl head is for (`impl<H> Batches<H>` is
/// `Batches`).
fn self_type_from_head(head: &str) -> String {
    let ty = head.rsplit(" for ").next().unwrap_or(head);
    let ty = ty.trim_start_matches("impl");
    let ty = if ty.starts_with('<') {
        let mut depth = 0;
        let mut end = ty.len();
        for (i, c) in ty.char_indices() {
            match c {
                '<' => depth += 1,
                '>' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        &ty[end..]
    } else {
        ty
    };
    let ty = ty.trim().split(['<', ' ', '(']).next().unwrap_or_default();
    ty.rsplit("::").next().unwrap_or_default().to_owned()
}

fn join(label: &str, module: &[String], name: &str) -> String {
    let mut parts = vec![label.to_owned()];
    parts.extend(module.iter().cloned());
    parts.push(name.to_owned());
    parts.join("::")
}

fn self_type_path(ty: &syn::Type) -> Option<Vec<String>> {
    match ty {
        syn::Type::Path(p) => Some(p.path.segments.iter().map(|s| s.ident.to_string()).collect()),
        _ => None,
    }
}

fn item_name(item: &Item) -> Option<String> {
    Some(match item {
        Item::Struct(s) => s.ident.to_string(),
        Item::Enum(e) => e.ident.to_string(),
        Item::Trait(t) => t.ident.to_string(),
        Item::Fn(f) => f.sig.ident.to_string(),
        Item::Const(c) => c.ident.to_string(),
        Item::Type(t) => t.ident.to_string(),
        Item::Mod(m) => m.ident.to_string(),
        _ => return None,
    })
}

/// Where users name the crate's items: a module reachable through `pub
/// mod`s, or the modules that re-export an item (by name or by glob).
struct PublicPaths {
    /// Modules declared `pub mod` by their parent (and the root).
    public_modules: BTreeSet<Vec<String>>,
    /// Every module.
    modules: BTreeSet<Vec<String>>,
    /// (module, alias or `*`, target module, target name or `*`).
    reexports: Vec<(Vec<String>, String, Vec<String>, String)>,
    /// Item name: the modules that define a public item of that name.
    defined: BTreeMap<String, Vec<Vec<String>>>,
}

impl PublicPaths {
    fn new(modules: &[Module]) -> Self {
        let mut public_modules = BTreeSet::new();
        public_modules.insert(Vec::new());
        let mut reexports = Vec::new();
        let mut defined: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
        let all: BTreeSet<Vec<String>> = modules.iter().map(|m| m.path.clone()).collect();
        for module in modules {
            for item in &module.parsed.items {
                match item {
                    Item::Mod(m) if is_pub(&m.vis) => {
                        let mut path = module.path.clone();
                        path.push(m.ident.to_string());
                        public_modules.insert(path);
                    }
                    Item::Use(u) if is_pub(&u.vis) => {
                        for (target, name, alias) in flatten(&u.tree, Vec::new()) {
                            let absolute = absolute(&module.path, &target, &all);
                            reexports.push((module.path.clone(), alias, absolute, name));
                        }
                    }
                    other => {
                        let public = match other {
                            Item::Struct(s) => is_pub(&s.vis),
                            Item::Enum(e) => is_pub(&e.vis),
                            Item::Trait(t) => is_pub(&t.vis),
                            Item::Type(t) => is_pub(&t.vis),
                            Item::Fn(f) => is_pub(&f.vis),
                            Item::Const(c) => is_pub(&c.vis),
                            // Macro-written types (`open_enum!`, `id_type!`).
                            Item::Macro(_) => true,
                            _ => false,
                        };
                        if public {
                            for name in names_of(other) {
                                defined.entry(name).or_default().push(module.path.clone());
                            }
                        }
                    }
                }
            }
        }
        PublicPaths { public_modules, modules: all, reexports, defined }
    }

    /// Whether every module from the root to `path` is `pub`.
    fn open(&self, path: &[String]) -> bool {
        (0..=path.len()).all(|n| self.public_modules.contains(&path[..n]))
    }

    /// Every public module where the item `name` of `module` can be named,
    /// shortest first.
    fn all(&self, module: &[String], name: &str) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        let mut todo = vec![(module.to_vec(), name.to_owned())];
        while let Some((at, name)) = todo.pop() {
            if !seen.insert((at.clone(), name.clone())) {
                continue;
            }
            if self.open(&at) {
                out.push(at.clone());
            }
            for (from, alias, target, target_name) in &self.reexports {
                if *target == at && (*target_name == name || target_name == "*") {
                    let named = if alias == "*" { name.clone() } else { alias.clone() };
                    todo.push((from.clone(), named));
                }
            }
        }
        out.sort_by_key(|p| (p.len(), p.clone()));
        out.dedup();
        out
    }

    /// The canonical public module of the item `name` defined in `module`:
    /// its own module when that is public, else the most specific module
    /// that re-exports it (`xms::pagination` rather than `xms`), so that
    /// where the definition lives does not matter.
    fn defined(&self, module: &[String], name: &str) -> Option<Vec<String>> {
        if self.open(module) {
            return Some(module.to_vec());
        }
        let all = self.all(module, name);
        let deepest = all.iter().map(Vec::len).max()?;
        all.into_iter().find(|p| p.len() == deepest)
    }

    /// The canonical public module of the type `path` (`Client`,
    /// `raw::Client`, `crate::blocking::Client`) as `module` names it: its
    /// own item, one it imports, or else the crate's item of that name.
    fn resolve(&self, modules: &[Module], module: &Module, path: &[String]) -> Option<Vec<String>> {
        let (name, prefix) = path.split_last()?;
        if !prefix.is_empty() {
            // A path: its first segment is `crate`, `self`, `super`, a child
            // module or an imported one.
            let first = &prefix[0];
            let base = match first.as_str() {
                "crate" | "self" | "super" => absolute(&module.path, prefix, &self.modules),
                _ => {
                    let imported = self.imported(module, first);
                    let mut base = imported.unwrap_or_else(|| {
                        let mut child = module.path.clone();
                        child.push(first.clone());
                        child
                    });
                    base.extend(prefix[1..].iter().cloned());
                    base
                }
            };
            if self.defined.get(name).is_some_and(|at| at.contains(&base)) {
                return self.defined(&base, name);
            }
            // A type of the generated client, say: under its module.
            return self.module(&base);
        }
        if self.defined.get(name).is_some_and(|at| at.contains(&module.path)) {
            return self.defined(&module.path, name);
        }
        if let Some(target) = self.imported(module, name) {
            let (leaf, at) = target.split_last()?;
            if self.defined.get(leaf).is_some_and(|m| m.iter().any(|m| m == at)) {
                return self.defined(at, leaf);
            }
            // A re-export (`crate::Client` for `crate::client::Client`):
            // follow it from the module that makes it.
            if let Some(next) = modules.iter().find(|m| m.path == at)
                && next.path != module.path
            {
                return self.resolve(modules, next, std::slice::from_ref(leaf));
            }
        }
        self.of(name)
    }

    /// What `module` imports as `name`, as a path from the crate root.
    fn imported(&self, module: &Module, name: &str) -> Option<Vec<String>> {
        for item in &module.parsed.items {
            if let Item::Use(u) = item {
                for (target, leaf, alias) in flatten(&u.tree, Vec::new()) {
                    if alias == name {
                        let mut path = absolute(&module.path, &target, &self.modules);
                        path.push(leaf);
                        return Some(path);
                    }
                }
            }
        }
        None
    }

    /// The canonical public module of the type called `name`.
    fn of(&self, name: &str) -> Option<Vec<String>> {
        self.defined.get(name)?.iter().find_map(|m| self.defined(m, name))
    }

    /// The public module a module's own lines go under.
    fn module(&self, path: &[String]) -> Option<Vec<String>> {
        if self.open(path) {
            return Some(path.to_vec());
        }
        let (name, parent) = path.split_last()?;
        self.all(parent, name).into_iter().next()
    }
}

/// The names of the items `item` defines, macro-written ones included.
fn names_of(item: &Item) -> Vec<String> {
    match item {
        Item::Macro(m) => {
            let name = m.mac.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
            if !matches!(name.as_str(), "open_enum" | "id_type") {
                return Vec::new();
            }
            without_attrs(m.mac.tokens.clone())
                .into_iter()
                .find_map(|t| match t {
                    proc_macro2::TokenTree::Ident(i) => Some(vec![i.to_string()]),
                    _ => None,
                })
                .unwrap_or_default()
        }
        other => item_name(other).into_iter().collect(),
    }
}

/// The leaves of a use tree: (module path, item name or `*`, alias).
fn flatten(tree: &syn::UseTree, prefix: Vec<String>) -> Vec<(Vec<String>, String, String)> {
    match tree {
        syn::UseTree::Path(p) => {
            let mut prefix = prefix;
            prefix.push(p.ident.to_string());
            flatten(&p.tree, prefix)
        }
        syn::UseTree::Name(n) => vec![(prefix, n.ident.to_string(), n.ident.to_string())],
        syn::UseTree::Rename(r) => vec![(prefix, r.ident.to_string(), r.rename.to_string())],
        syn::UseTree::Glob(_) => vec![(prefix, "*".into(), "*".into())],
        syn::UseTree::Group(g) => g.items.iter().flat_map(|t| flatten(t, prefix.clone())).collect(),
    }
}

/// A use path's module as a path from the crate root (an external crate's
/// path stays as it is).
fn absolute(module: &[String], path: &[String], modules: &BTreeSet<Vec<String>>) -> Vec<String> {
    let mut out = module.to_vec();
    for (i, part) in path.iter().enumerate() {
        match part.as_str() {
            "crate" if i == 0 => out.clear(),
            "self" => {}
            "super" => {
                out.pop();
            }
            other => out.push(other.to_owned()),
        }
    }
    let relative = path.first().is_some_and(|p| !matches!(p.as_str(), "crate" | "self" | "super"));
    if relative && !modules.contains(&out) {
        return path.to_vec();
    }
    out
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
                    ImplItem::Const(c) if is_pub(&c.vis) => {
                        Some(format!("    pub const {}: {};", c.ident, text(&c.ty)))
                    }
                    _ => None,
                })
                .collect();
            // The self type by its name, whatever path the impl wrote.
            let self_ty = match &*i.self_ty {
                syn::Type::Path(p) if p.qself.is_none() => match p.path.segments.last() {
                    Some(last) => text(last),
                    None => text(&i.self_ty),
                },
                other => text(other),
            };
            let head = match &i.trait_ {
                Some((path, _)) => {
                    // The trait by its name too.
                    let name = path.segments.last().map(text).unwrap_or_else(|| text(path));
                    format!("impl{} {name} for {self_ty}", text(&i.generics))
                }
                None => format!("impl{} {self_ty}", text(&i.generics)),
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
        Item::Macro(_) => {}
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
fn macro_lines(m: &syn::ItemMacro, definitions: &Definitions, out: &mut Vec<String>) {
    let name = m.mac.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
    let macro_name = name.clone();
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
            // The listing methods it writes on `builder`, for both clients.
            let args = one_line(&tokens.to_string());
            let mut parts = args.split(',').map(str::trim);
            let (builder, item) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let any = format!("impl<H: AnyClient> {builder}<H>");
            let mut setters = vec![
                "pub fn page_size(mut self, size: u32) -> Self;".to_owned(),
                "pub fn start_page(mut self, page: u32) -> Self;".to_owned(),
                "pub fn read_ahead(mut self, on: bool) -> Self;".to_owned(),
            ];
            if args.contains("dated") {
                setters.extend([
                    "pub fn start_date(mut self, at: DateTime<Utc>) -> Self;".to_owned(),
                    "pub fn end_date(mut self, at: DateTime<Utc>) -> Self;".to_owned(),
                    "pub fn client_reference(mut self, reference: impl Into<String>) -> Self;"
                        .to_owned(),
                ]);
            }
            for setter in setters {
                out.push(format!("{any} {{ {setter} }}"));
            }
            let (client, blocking) =
                (format!("impl {builder}<Client>"), format!("impl {builder}<blocking::Client>"));
            out.push(format!("{client} {{ pub fn pages(self) -> Pages<{item}>; }}"));
            out.push(format!("{client} {{ pub fn items(self) -> Items<{item}>; }}"));
            out.push(format!(
                "{client} {{ pub fn page(&self, page: u32) -> impl Future<Output = \
                 Result<Page<{item}>>>; }}"
            ));
            out.push(format!(
                "{blocking} {{ pub fn pages(self) -> blocking::PagesIter<{item}>; }}"
            ));
            out.push(format!(
                "{blocking} {{ pub fn items(self) -> blocking::ItemsIter<{item}>; }}"
            ));
            out.push(format!(
                "{blocking} {{ pub fn page(&self, page: u32) -> Result<Page<{item}>>; }}"
            ));
        }
        "open_enum" | "id_type" => {
            // The type, then what the macro's definition writes for it.
            let body = without_attrs(tokens);
            let mut iter = body.into_iter();
            let name = iter.next().map(|t| t.to_string()).unwrap_or_default();
            if let Some(proc_macro2::TokenTree::Group(g)) = iter.next() {
                let variants: Vec<String> = g
                    .stream()
                    .to_string()
                    .split(',')
                    .filter_map(|v| v.split('=').next())
                    .map(|v| v.trim().to_owned())
                    .filter(|v| !v.is_empty())
                    .collect();
                out.push(format!("pub enum {name} {{ {}, Other(String) }}", variants.join(", ")));
            } else {
                out.push(format!("pub struct {name}(_)"));
            }
            if let Some(definition) = definitions.get(macro_name.as_str()) {
                out.extend(written_impls(definition, &name));
            }
        }
        // Helpers of private modules: they write no public item.
        "type_markers" | "bounded" => {}
        // Definitions, and the standard library's and tokio's item macros
        // (their items are private here).
        "macro_rules" | "task_local" | "thread_local" => {}
        // Another macro that writes items (`sms_methods!(Text)`): as called.
        _ => out.push(format!("{name}!({})", one_line(&tokens.to_string()))),
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
