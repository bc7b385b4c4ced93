//! The arrows of imports between the SDK's top-level modules run one way: the public face
//! (`workflow`, `activity`, `client`, `worker`, `replay`, `testing`) stands on the engine
//! (`runtime`, `converter`, `error`), the engine never names the face, and no two modules import
//! each other, directly or through others. Read from the sources (comments aside), so a new
//! import that closes a cycle fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The top-level module of `sdk/src` each source file belongs to.
fn module_of(path: &Path, src: &Path) -> String {
    let rel = path.strip_prefix(src).expect("under src");
    let first = rel.components().next().expect("a component").as_os_str().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_string()
}

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `module -> modules it names`, from code lines (not comments, not `#[cfg(test)]` blocks).
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let from = module_of(&file, &src);
        let text = std::fs::read_to_string(&file).expect("read source");
        // Tests may reach anywhere; they are not part of the layering.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for line in code.lines() {
            let line = line.trim_start();
            if line.starts_with("//") {
                continue;
            }
            for (i, _) in line.match_indices("crate::") {
                let rest = &line[i + "crate::".len()..];
                let to: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                let is_module = src.join(format!("{to}.rs")).exists() || src.join(&to).is_dir();
                if is_module && to != from {
                    graph.entry(from.clone()).or_default().insert(to);
                }
            }
        }
    }
    graph
}

/// A cycle through `start`, if there is one.
fn cycle_from(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    fn visit(
        graph: &BTreeMap<String, BTreeSet<String>>,
        node: &str,
        start: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in graph.get(node).into_iter().flatten() {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if visit(graph, next, start, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_string()];
    visit(graph, start, start, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn no_module_imports_form_a_cycle() {
    let graph = imports();
    for module in graph.keys() {
        if let Some(cycle) = cycle_from(&graph, module) {
            panic!("import cycle: {}\nall imports: {graph:#?}", cycle.join(" -> "));
        }
    }
}

#[test]
fn the_engine_never_names_the_public_face() {
    let graph = imports();
    let engine = ["runtime", "converter", "error", "common", "history"];
    let face = ["workflow", "activity", "client", "worker", "replay", "testing"];
    for module in engine {
        let named: Vec<&String> =
            graph.get(module).into_iter().flatten().filter(|m| face.contains(&m.as_str())).collect();
        assert!(named.is_empty(), "{module} imports {named:?}");
    }
}
