//! Keeps the direction of imports between the files of `src/`: no file depends, through any chain
//! of others, on itself (a `mod.rs` and its own children excepted: a module re-exports its parts
//! and its parts use their siblings through it), and the bottom layers import nothing above them.
//!
//! A file depends on another when it names it: `use crate::…`, `use super::…`, or a path such as
//! `crate::i18n::t()` in code. Comments, strings and `#[cfg(test)] mod tests` are not read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The bottom layers, lowest first: a file in one may import its own layer and those below it
/// only. The error type knows nothing of the crate; the shared types know only the error type.
const BOTTOM: &[&str] = &["src/error/", "src/domain/"];

/// Inside the feature folders, SQL comes first, then the server functions, then what people see:
/// a file of a later kind may import an earlier one, never the other way round.
fn feature_layer(file: &str) -> Option<u8> {
    let name = file.rsplit('/').next()?;
    if name == "repo.rs" {
        Some(0)
    } else if name == "api.rs" {
        Some(1)
    } else if name == "pages.rs" || name == "view.rs" || file.contains("/pages/") {
        Some(2)
    } else {
        None
    }
}

#[test]
fn files_of_src_import_in_one_direction() {
    let graph = Graph::of(Path::new(env!("CARGO_MANIFEST_DIR")));
    let mut problems = Vec::new();
    for (group, cycle) in graph.cycles() {
        let inside: Vec<String> = group
            .iter()
            .flat_map(|from| graph.edges[from].iter().filter(|to| group.contains(to) && graph.counted(from, to)).map(move |to| format!("    {from} -> {to}")))
            .collect();
        problems.push(format!(
            "{} files import each other in a circle; one cycle: {}\n  their imports of each other:\n{}",
            group.len(),
            cycle.join(" -> "),
            inside.join("\n")
        ));
    }
    for (from, to) in graph.upward_imports() {
        problems.push(format!("{from} is in a bottom layer but imports {to}, above it"));
    }
    for (from, to) in graph.backward_feature_imports() {
        problems.push(format!("{from} imports {to}: repo.rs → api.rs → pages run one way"));
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

/// The checker itself: a made-up tree with one cycle, one excepted parent/child pair and one
/// upward import is read as such.
#[test]
fn the_check_finds_a_cycle_and_an_upward_import() {
    let dir = std::env::temp_dir().join(format!("myrelay-imports-{}", std::process::id()));
    let write = |path: &str, text: &str| {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("src/lib.rs", "pub mod error; pub mod a; pub mod b; pub mod domain;");
    write("src/error/mod.rs", "// use crate::a; is only a comment\nmod problem; pub struct E;");
    write("src/error/problem.rs", "use crate::domain::ids::Id;");
    write("src/domain/ids.rs", "pub struct Id;");
    write("src/a/mod.rs", "pub mod x; pub use x::X; fn f() { crate::b::g(); }");
    write("src/a/x.rs", "use super::helper; pub struct X; mod inner { use super::X; }\nuse crate::b as renamed;");
    write("src/b.rs", "use crate::{error::E, a::{X, x}};\n#[cfg(test)]\nmod tests { use crate::domain::D; }");
    write("src/domain/mod.rs", "pub mod ids; use crate::error::E; use crate::b::g; pub struct D;");
    write("src/c/repo.rs", "use crate::c::api::f;");
    write("src/c/api.rs", "pub fn f() {}");
    let graph = Graph::of(&dir);
    std::fs::remove_dir_all(&dir).unwrap();

    let cycles = graph.cycles();
    assert_eq!(cycles.len(), 1);
    assert_eq!(cycles[0].0, vec!["src/a/mod.rs", "src/a/x.rs", "src/b.rs"]);
    assert_eq!(cycles[0].1, vec!["src/a/mod.rs", "src/b.rs", "src/a/mod.rs"]);
    let upward = [("src/domain/mod.rs", "src/b.rs"), ("src/error/problem.rs", "src/domain/ids.rs")];
    assert_eq!(graph.upward_imports(), upward.map(|(from, to)| (from.to_string(), to.to_string())));
    assert_eq!(graph.backward_feature_imports(), vec![("src/c/repo.rs".to_string(), "src/c/api.rs".to_string())]);
    assert!(graph.edges["src/a/x.rs"].contains("src/a/mod.rs"), "super:: from a child reaches its mod.rs");
    assert!(graph.edges["src/a/x.rs"].contains("src/b.rs"), "a renamed import names its file");
    assert!(!graph.edges["src/error/mod.rs"].contains("src/a/mod.rs"), "comments are not imports");
    assert!(!graph.edges["src/b.rs"].contains("src/domain/mod.rs"), "test modules are not read");
}

struct Graph {
    /// file (relative to the crate, `/`-separated) → the files it imports
    edges: BTreeMap<String, BTreeSet<String>>,
}

impl Graph {
    fn of(root: &Path) -> Graph {
        let mut files = Vec::new();
        collect_rs_files(&root.join("src"), &mut files);
        let relative = |path: &Path| path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
        let modules: BTreeMap<Vec<String>, String> =
            files.iter().filter_map(|path| module_path(&relative(path)).map(|module| (module, relative(path)))).collect();
        let mut edges = BTreeMap::new();
        for (module, file) in &modules {
            let text = std::fs::read_to_string(root.join(file)).unwrap();
            let is_mod_file = file.ends_with("/mod.rs") || file == "src/lib.rs";
            let mut targets = BTreeSet::new();
            for path in crate_paths(&strip_tests(&code_only(&text))) {
                let Some(absolute) = absolute_path(module, is_mod_file, &path) else { continue };
                if let Some(target) = resolve(&modules, &absolute)
                    && target != *file
                {
                    targets.insert(target);
                }
            }
            edges.insert(file.clone(), targets);
        }
        Graph { edges }
    }

    /// Edges that count for cycles: a `mod.rs` and its direct children may use each other.
    fn counted(&self, from: &str, to: &str) -> bool {
        !(is_parent_of(from, to) || is_parent_of(to, from))
    }

    /// Each strongly connected group of files, with one cycle through it (first file repeated last).
    fn cycles(&self) -> Vec<(Vec<String>, Vec<String>)> {
        let names: Vec<&String> = self.edges.keys().collect();
        let index: BTreeMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
        let next: Vec<Vec<usize>> = names
            .iter()
            .map(|from| {
                self.edges[*from]
                    .iter()
                    .filter(|to| self.counted(from, to))
                    .filter_map(|to| index.get(to.as_str()).copied())
                    .collect()
            })
            .collect();
        strongly_connected(&next)
            .into_iter()
            .filter(|group| group.len() > 1)
            .map(|group| {
                let members: BTreeSet<usize> = group.iter().copied().collect();
                let start = *members.iter().next().unwrap();
                let cycle = shortest_cycle(&next, &members, start).into_iter().map(|i| names[i].clone()).collect();
                (members.iter().map(|i| names[*i].clone()).collect(), cycle)
            })
            .collect()
    }

    /// (from, to) for each import from a repo to server functions or pages, or from server
    /// functions to pages.
    fn backward_feature_imports(&self) -> Vec<(String, String)> {
        self.edges
            .iter()
            .flat_map(|(from, tos)| tos.iter().map(move |to| (from, to)))
            .filter(|(from, to)| matches!((feature_layer(from), feature_layer(to)), (Some(a), Some(b)) if a < b))
            .map(|(from, to)| (from.clone(), to.clone()))
            .collect()
    }

    /// (from, to) for each import from a bottom layer to a file above it.
    fn upward_imports(&self) -> Vec<(String, String)> {
        let layer = |file: &str| BOTTOM.iter().position(|b| file == *b || (b.ends_with('/') && file.starts_with(b)));
        self.edges
            .iter()
            .filter_map(|(from, tos)| layer(from).map(|below| (from, tos, below)))
            .flat_map(|(from, tos, below)| {
                tos.iter().filter(move |to| layer(to).is_none_or(|l| l > below)).map(move |to| (from.clone(), to.clone()))
            })
            .collect()
    }
}

fn collect_rs_files(dir: &Path, into: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_rs_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

/// `src/lib.rs` → [], `src/a/mod.rs` → [a], `src/a/b.rs` → [a, b]; `src/main.rs` (the binary) → none.
fn module_path(file: &str) -> Option<Vec<String>> {
    let inside = file.strip_prefix("src/")?.strip_suffix(".rs")?;
    if inside == "main" {
        return None;
    }
    let mut parts: Vec<String> = inside.split('/').map(str::to_string).collect();
    if parts.last().is_some_and(|last| last == "mod" || (parts.len() == 1 && last == "lib")) {
        parts.pop();
    }
    Some(parts)
}

/// `src/a/mod.rs` is the parent of `src/a/b.rs` and of `src/a/c/mod.rs`.
fn is_parent_of(parent: &str, child: &str) -> bool {
    let (Some(parent), Some(child)) = (module_path(parent), module_path(child)) else { return false };
    child.len() == parent.len() + 1 && child.starts_with(&parent)
}

/// The text with comments, string and char literals blanked out (lengths kept).
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let rest = &chars[i..];
        if rest.starts_with(&['/', '/']) {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if rest.starts_with(&['/', '*']) {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i..].starts_with(&['/', '*']) {
                    depth += 1;
                    i += 2;
                } else if chars[i..].starts_with(&['*', '/']) {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if rest[0] == 'r' && (rest.get(1) == Some(&'"') || (rest.get(1) == Some(&'#') && !is_ident_char(prev(&chars, i)))) {
            // raw string r"…", r#"…"#
            let hashes = rest[1..].iter().take_while(|c| **c == '#').count();
            if rest.get(1 + hashes) != Some(&'"') {
                out.push(rest[0]);
                i += 1;
                continue;
            }
            i += 2 + hashes;
            while i < chars.len() && !(chars[i] == '"' && chars[i + 1..].iter().take(hashes).filter(|c| **c == '#').count() == hashes) {
                i += 1;
            }
            i += 1 + hashes;
            out.push_str("\"\"");
        } else if rest[0] == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if rest[0] == '\'' && (rest.get(2) == Some(&'\'') || (rest.get(1) == Some(&'\\'))) {
            // a char literal ('a', '\n', '\u{1F600}'), not a lifetime
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(rest[0]);
            i += 1;
        }
    }
    out
}

fn prev(chars: &[char], i: usize) -> char {
    if i == 0 { ' ' } else { chars[i - 1] }
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The code without `#[cfg(test)]` items (unit tests may reach anywhere).
fn strip_tests(code: &str) -> String {
    let mut out = String::new();
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        // skip the item: up to its matching closing brace, or its `;`
        let mut depth = 0;
        let mut end = after.len();
        for (i, c) in after.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                ';' if depth == 0 => {
                    end = i + 1;
                    break;
                }
                _ => {}
            }
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// A path as written, with how many inline `mod x { … }` blocks enclose it.
struct WrittenPath {
    segments: Vec<String>,
    inline_depth: usize,
}

/// Every path starting with `crate`, `super` or `self` (use trees expanded), in order.
fn crate_paths(code: &str) -> Vec<WrittenPath> {
    let chars: Vec<char> = code.chars().collect();
    let mut found = Vec::new();
    let mut brace_depth = 0usize;
    let mut inline_mods: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '{' {
            brace_depth += 1;
            i += 1;
            continue;
        }
        if c == '}' {
            brace_depth = brace_depth.saturating_sub(1);
            if inline_mods.last() == Some(&brace_depth) {
                inline_mods.pop();
            }
            i += 1;
            continue;
        }
        if !is_ident_char(c) || is_ident_char(prev(&chars, i)) {
            i += 1;
            continue;
        }
        let word: String = chars[i..].iter().take_while(|c| is_ident_char(**c)).collect();
        let after = i + word.chars().count();
        if word == "mod" {
            // `mod name {` opens an inline module
            let rest: String = chars[after..].iter().take(80).collect();
            let rest = rest.trim_start();
            let name_len = rest.chars().take_while(|c| is_ident_char(*c)).count();
            if name_len > 0 && rest[name_len..].trim_start().starts_with('{') {
                inline_mods.push(brace_depth);
            }
        } else if word == "use" {
            let end = chars[after..].iter().position(|c| *c == ';').map_or(chars.len(), |p| after + p);
            let tree = without_renames(&chars[after..end].iter().collect::<String>());
            for segments in expand_use_tree(&tree) {
                if matches!(segments.first().map(String::as_str), Some("crate" | "super" | "self")) {
                    found.push(WrittenPath { segments, inline_depth: inline_mods.len() });
                }
            }
            i = end;
            continue;
        } else if matches!(word.as_str(), "crate" | "super" | "self") && chars[after..].starts_with(&[':', ':']) {
            let mut segments = vec![word.clone()];
            let mut j = after;
            while chars[j..].starts_with(&[':', ':']) {
                let next: String = chars[j + 2..].iter().take_while(|c| is_ident_char(**c)).collect();
                if next.is_empty() {
                    break;
                }
                j += 2 + next.chars().count();
                segments.push(next);
            }
            found.push(WrittenPath { segments, inline_depth: inline_mods.len() });
            i = j;
            continue;
        }
        i = after;
    }
    found
}

/// A use tree without whitespace and without its renames (`a as b` → `a`).
fn without_renames(tree: &str) -> String {
    let mut out = String::new();
    let mut tokens = tree.split_whitespace();
    while let Some(token) = tokens.next() {
        if token == "as" {
            // keep what follows the new name: `b},` → `},`
            let renamed = tokens.next().unwrap_or("");
            out.extend(renamed.chars().skip_while(|c| is_ident_char(*c)));
        } else {
            out.push_str(token);
        }
    }
    out
}

/// `crate::{a::{b, c}, d}` → [crate, a, b], [crate, a, c], [crate, d] (whitespace already removed).
fn expand_use_tree(tree: &str) -> Vec<Vec<String>> {
    let Some(open) = tree.find('{') else {
        return vec![tree.split("::").filter(|s| !s.is_empty()).map(str::to_string).collect()];
    };
    let prefix: Vec<String> = tree[..open].split("::").filter(|s| !s.is_empty()).map(str::to_string).collect();
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|part| {
            expand_use_tree(part).into_iter().map(|rest| prefix.iter().cloned().chain(rest).collect::<Vec<_>>())
        })
        .collect()
}

/// The written path as a path from the crate root, or None when it stays inside the file.
fn absolute_path(module: &[String], is_mod_file: bool, path: &WrittenPath) -> Option<Vec<String>> {
    let mut segments = path.segments.iter().peekable();
    let mut base: Vec<String> = module.to_vec();
    match segments.peek().map(|s| s.as_str()) {
        Some("crate") => {
            segments.next();
            base.clear();
        }
        Some("self") => {
            segments.next();
            if path.inline_depth > 0 || !is_mod_file {
                return None; // an item of this file (or of its inline modules)
            }
        }
        Some("super") => {
            let mut ups = 0usize;
            while segments.peek().is_some_and(|s| *s == "super") {
                segments.next();
                ups += 1;
            }
            let ups = ups.checked_sub(path.inline_depth).filter(|ups| *ups > 0)?;
            for _ in 0..ups {
                base.pop()?;
            }
        }
        _ => return None,
    }
    base.extend(segments.filter(|s| *s != "*" && *s != "self").cloned());
    Some(base)
}

/// The file that defines the longest module prefix of `path`.
fn resolve(modules: &BTreeMap<Vec<String>, String>, path: &[String]) -> Option<String> {
    (0..=path.len()).rev().find_map(|len| modules.get(&path[..len]).cloned())
}

/// Tarjan's strongly connected components.
fn strongly_connected(next: &[Vec<usize>]) -> Vec<Vec<usize>> {
    struct State<'a> {
        next: &'a [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        counter: usize,
        groups: Vec<Vec<usize>>,
    }
    fn visit(s: &mut State, v: usize) {
        s.index[v] = Some(s.counter);
        s.low[v] = s.counter;
        s.counter += 1;
        s.stack.push(v);
        s.on_stack[v] = true;
        for &w in &s.next[v] {
            match s.index[w] {
                None => {
                    visit(s, w);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(index) if s.on_stack[w] => s.low[v] = s.low[v].min(index),
                Some(_) => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack[w] = false;
                group.push(w);
                if w == v {
                    break;
                }
            }
            s.groups.push(group);
        }
    }
    let n = next.len();
    let mut s = State { next, index: vec![None; n], low: vec![0; n], on_stack: vec![false; n], stack: Vec::new(), counter: 0, groups: Vec::new() };
    for v in 0..n {
        if s.index[v].is_none() {
            visit(&mut s, v);
        }
    }
    s.groups
}

/// The shortest path from `start` back to itself inside `members` (breadth first).
fn shortest_cycle(next: &[Vec<usize>], members: &BTreeSet<usize>, start: usize) -> Vec<usize> {
    let mut came_from: BTreeMap<usize, usize> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in next[v].iter().filter(|w| members.contains(w)) {
            if w == start {
                let mut path = vec![start, v];
                let mut at = v;
                while at != start {
                    at = came_from[&at];
                    path.push(at);
                }
                path.reverse(); // start, …, v, start
                return path;
            }
            if w != start && !came_from.contains_key(&w) {
                came_from.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    unreachable!("a strongly connected group of more than one file has a cycle through each member")
}
