//! The server's modules form layers, not a circle: storage (`db`) and the leaves below it never
//! reach up into the service or the HTTP layers, so each can be read and changed from the bottom
//! up. Read from the sources: a module uses another when it names `crate::other`.

use std::collections::{BTreeMap, BTreeSet};

fn uses() -> BTreeMap<String, BTreeSet<String>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.extension().is_none_or(|e| e != "rs") || name == "lib" || name == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let used: BTreeSet<String> = text
            .match_indices("crate::")
            .map(|(at, _)| text[at + 7..].chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect::<String>())
            .filter(|used| !used.is_empty() && *used != name)
            .collect();
        graph.insert(name, used);
    }
    graph
}

#[test]
fn the_server_modules_have_no_cycle() {
    let graph = uses();
    assert!(graph.contains_key("db") && graph.contains_key("service"), "{graph:?}");
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
