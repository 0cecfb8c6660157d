//! The server's modules form layers, not a circle: storage (`db`) and the leaves below it never
//! reach up into the service or the HTTP layers, so each can be read and changed from the bottom
//! up. Read from the sources: a module uses another when it names `crate::other` (in `lib.rs`,
//! where the modules are declared, a bare `other::` too). A module may be a file or a folder
//! (`service/`, `db/`): a folder's files are one module here, since they share its privacy.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The modules `lib.rs` declares.
fn declared(lib: &str) -> BTreeSet<String> {
    lib.lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod ").or_else(|| l.trim().strip_prefix("mod ")))
        .map(|m| m.trim_end_matches(';').to_owned())
        .collect()
}

/// Every `.rs` file of a module: the file, or every file under its folder.
fn files_of(src: &Path, module: &str) -> Vec<PathBuf> {
    let file = src.join(format!("{module}.rs"));
    if file.exists() {
        return vec![file];
    }
    let mut found = Vec::new();
    let mut folders = vec![src.join(module)];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap_or_else(|e| panic!("module {module}: {e}")) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    assert!(!found.is_empty(), "module {module} has no source");
    found
}

/// The module names that follow `prefix` in `text`.
fn named_after(text: &str, prefix: &str) -> BTreeSet<String> {
    text.match_indices(prefix)
        .filter(|(at, _)| *at == 0 || !text[..*at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':'))
        .map(|(at, _)| text[at + prefix.len()..].chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect::<String>())
        .filter(|used| !used.is_empty())
        .collect()
}

struct Sources {
    /// Module → the modules it names.
    uses: BTreeMap<String, BTreeSet<String>>,
    /// The modules that name the `App` (defined in `lib.rs`).
    name_the_app: BTreeSet<String>,
}

fn sources() -> Sources {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let modules = declared(&lib);
    let mut uses = BTreeMap::new();
    let mut name_the_app = BTreeSet::new();
    for module in &modules {
        let text: String = files_of(&src, module).iter().map(|f| std::fs::read_to_string(f).unwrap()).collect::<Vec<_>>().join("\n");
        let used: BTreeSet<String> = named_after(&text, "crate::").into_iter().filter(|m| m != module && modules.contains(m)).collect();
        if text.contains("crate::App") || text.contains("use crate::{App") {
            name_the_app.insert(module.clone());
        }
        uses.insert(module.clone(), used);
    }
    // In lib.rs a module is named by its path (`db::Db`), with or without `crate::`.
    let from_lib: BTreeSet<String> = modules
        .iter()
        .filter(|m| lib.match_indices(&format!("{m}::")).any(|(at, _)| !lib[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_')))
        .cloned()
        .collect();
    uses.insert("lib".to_owned(), from_lib);
    Sources { uses, name_the_app }
}

#[test]
fn the_server_modules_have_no_cycle() {
    let graph = sources().uses;
    assert!(graph.contains_key("db") && graph.contains_key("service"), "{graph:?}");
    assert!(graph["lib"].contains("service") && graph["lib"].contains("db"), "lib.rs is read too: {:?}", graph["lib"]);
    // Depth-first search for a path back to where it started.
    fn cycle_from(graph: &BTreeMap<String, BTreeSet<String>>, path: &mut Vec<String>) -> Option<Vec<String>> {
        let last = path.last().cloned().unwrap_or_default();
        for next in graph.get(&last).into_iter().flatten() {
            if path.contains(next) {
                let mut cycle = path.clone();
                cycle.push(next.clone());
                return Some(cycle);
            }
            path.push(next.clone());
            if let Some(cycle) = cycle_from(graph, path) {
                return Some(cycle);
            }
            path.pop();
        }
        None
    }
    for start in graph.keys() {
        if let Some(cycle) = cycle_from(&graph, &mut vec![start.clone()]) {
            panic!("the modules use each other in a circle: {}", cycle.join(" -> "));
        }
    }
    // The storage layer stands on nothing but leaves.
    assert!(graph["db"].iter().all(|m| m == "random"), "db uses {:?}", graph["db"]);
}

/// `App` (lib.rs) is the top: the service layer adds what it does and the HTTP layers call it;
/// nothing below them (storage, the Gate client, configuration, the leaves) may reach up to it.
#[test]
fn only_the_service_and_http_layers_name_the_app() {
    let name_the_app = sources().name_the_app;
    let acting_for_the_app: BTreeSet<String> = ["service", "api", "admin", "callbacks", "idempotency", "demo_shop"].map(String::from).into();
    let below: Vec<&String> = name_the_app.iter().filter(|m| !acting_for_the_app.contains(*m)).collect();
    assert!(below.is_empty(), "these modules reach up to the App: {below:?}");
    assert!(name_the_app.contains("service"), "the check reads the service folder: {name_the_app:?}");
}
