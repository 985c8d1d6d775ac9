//! The layout's rules, read from the workspace itself: which crate may depend on which
//! (`cargo metadata`), that only the AWS layer reaches the SDK, and that no crate's modules
//! import each other in a loop. docs/architecture.md says the same in words.

use crate::common::root;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

/// Each workspace crate, and the workspace crates it may depend on (normal dependencies).
const ALLOWED: &[(&str, &[&str])] = &[
    ("xtask", &["bedrock-cli"]),
    ("librechat-bedrock", &["bedrock-cli"]),
    ("bedrock-cli", &["bedrock-engine"]),
    (
        "bedrock-engine",
        &[
            "bedrock-aws",
            "bedrock-emulator",
            "bedrock-files",
            "bedrock-generate",
            "bedrock-librechat",
            "bedrock-plan",
            "bedrock-policy",
            "bedrock-spec",
        ],
    ),
    ("bedrock-aws", &["bedrock-plan", "bedrock-spec"]),
    (
        "bedrock-plan",
        &["bedrock-generate", "bedrock-policy", "bedrock-spec"],
    ),
    (
        "bedrock-generate",
        &["bedrock-librechat", "bedrock-policy", "bedrock-spec"],
    ),
    ("bedrock-files", &["bedrock-generate"]),
    ("bedrock-policy", &["bedrock-spec"]),
    ("bedrock-librechat", &["bedrock-spec"]),
    ("bedrock-spec", &[]),
    ("bedrock-emulator", &[]),
];

/// Every workspace package: (name, manifest directory, normal dependencies).
fn packages() -> Vec<(String, String, Vec<String>)> {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let dir = Path::new(p["manifest_path"].as_str().unwrap())
                .parent()
                .unwrap()
                .display()
                .to_string();
            let deps = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"].is_null())
                .map(|d| d["name"].as_str().unwrap().to_string())
                .collect();
            (p["name"].as_str().unwrap().to_string(), dir, deps)
        })
        .collect()
}

#[test]
fn crates_depend_only_downwards_and_the_cli_on_the_engine_alone() {
    let packages = packages();
    let workspace: BTreeSet<&str> = packages.iter().map(|(n, _, _)| n.as_str()).collect();
    let rules: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    for (name, _, deps) in &packages {
        let allowed = rules.get(name.as_str()).unwrap_or_else(|| {
            panic!("{name} is a workspace crate with no rule in tests/layering.rs: add its line to ALLOWED (and to docs/architecture.md)")
        });
        for dep in deps.iter().filter(|d| workspace.contains(d.as_str())) {
            assert!(
                allowed.contains(&dep.as_str()),
                "{name} depends on {dep}: the layout allows it only {allowed:?} (docs/architecture.md)"
            );
        }
        // Only the AWS layer calls the SDK; the engine builds on it, the rest never sees it.
        let sdk: Vec<&String> = deps
            .iter()
            .filter(|d| {
                d.starts_with("aws-sdk-") || d.starts_with("aws-smithy") || *d == "aws-config"
            })
            .collect();
        assert!(
            name == "bedrock-aws" || sdk.is_empty(),
            "{name} depends on the AWS SDK ({sdk:?}): only crates/aws may"
        );
    }
    let (_, _, cli) = packages
        .iter()
        .find(|(n, _, _)| n == "bedrock-cli")
        .unwrap();
    let ours: Vec<&String> = cli
        .iter()
        .filter(|d| workspace.contains(d.as_str()))
        .collect();
    assert_eq!(
        ours,
        ["bedrock-engine"],
        "the CLI depends on the engine only"
    );
}

/// The top-level modules of a crate's `src/` (`a.rs` and `a/...` are module `a`), and the
/// ones each names through `crate::` outside its tests and comments.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut all = Vec::new();
    files(src, &mut all);
    let module_of = |path: &Path| -> Option<String> {
        let rel = path.strip_prefix(src).unwrap();
        let first = rel.components().next()?.as_os_str().to_string_lossy();
        let name = first.trim_end_matches(".rs").to_string();
        (name != "lib" && name != "main").then_some(name)
    };
    let modules: BTreeSet<String> = all.iter().filter_map(|p| module_of(p)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = modules
        .iter()
        .map(|m| (m.clone(), BTreeSet::new()))
        .collect();
    for path in &all {
        let Some(module) = module_of(path) else {
            continue;
        };
        let text = std::fs::read_to_string(path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for line in code.lines() {
            let line = line.split("//").next().unwrap_or_default();
            let mut rest = line;
            while let Some(at) = rest.find("crate::") {
                rest = &rest[at + "crate::".len()..];
                // `crate::a::...`, or each name of `crate::{a, b::c}`.
                let names: Vec<&str> = match rest.strip_prefix('{') {
                    Some(group) => group
                        .split('}')
                        .next()
                        .unwrap_or_default()
                        .split(',')
                        .map(|n| n.trim().split("::").next().unwrap_or_default())
                        .collect(),
                    None => vec![rest
                        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .next()
                        .unwrap_or_default()],
                };
                for name in names {
                    if modules.contains(name) && name != module {
                        graph.get_mut(&module).unwrap().insert(name.to_string());
                    }
                }
            }
        }
    }
    graph
}

/// A loop in `graph`, as the modules along it, if there is one.
fn find_loop(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in &graph[node] {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_crate_s_modules_import_each_other_in_a_loop() {
    // The plan crate's kinds and their registry are one loop by design today: the registry
    // lists every kind's types (its `Step` enum wraps each kind's), and each kind plans
    // through the shared `Planner` that collects those steps. Checked, so that the loop
    // stays where it is said to be: its modules, and no others.
    let plan_loop: BTreeSet<&str> = [
        "change",
        "outputs",
        "plan",
        "refs",
        "regions",
        "registry",
        "resources",
        "tagging",
    ]
    .into_iter()
    .collect();
    for (name, dir, _) in packages() {
        let src = Path::new(&dir).join("src");
        if !src.is_dir() {
            continue;
        }
        let mut graph = module_graph(&src);
        if name == "bedrock-plan" {
            for module in &plan_loop {
                graph.remove(*module);
            }
            for edges in graph.values_mut() {
                edges.retain(|m| !plan_loop.contains(m.as_str()));
            }
        }
        if let Some(cycle) = find_loop(&graph) {
            panic!(
                "{name}: its modules import each other in a loop: {}; move what both need into a module of its own, or make one a child of the other",
                cycle.join(" -> ")
            );
        }
    }
}

#[test]
fn the_loop_finder_finds_a_loop_and_passes_a_tree() {
    let graph = |edges: &[(&str, &str)]| {
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in edges {
            g.entry(a.to_string()).or_default().insert(b.to_string());
            g.entry(b.to_string()).or_default();
        }
        g
    };
    assert_eq!(
        find_loop(&graph(&[("a", "b"), ("b", "c"), ("c", "a")])),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    assert_eq!(
        find_loop(&graph(&[("a", "b"), ("a", "c"), ("b", "c")])),
        None
    );
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::write(src.join("lib.rs"), "mod a;\nmod b;\n").unwrap();
    std::fs::write(src.join("a.rs"), "use crate::b::X;\n").unwrap();
    std::fs::create_dir(src.join("b")).unwrap();
    std::fs::write(src.join("b.rs"), "mod inner;\n").unwrap();
    std::fs::write(
        src.join("b").join("inner.rs"),
        "// crate::a in a comment\nuse crate::{a::Y, c};\n",
    )
    .unwrap();
    let g = module_graph(src);
    assert_eq!(g["a"], ["b".to_string()].into_iter().collect());
    assert_eq!(g["b"], ["a".to_string()].into_iter().collect());
    assert!(find_loop(&g).is_some());
}
