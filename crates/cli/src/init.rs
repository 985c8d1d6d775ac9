//! `init [--xtask]`: set up an existing repository: a commented `bedrock.toml`, `.env` in
//! `.gitignore`, the drift workflow; with `--xtask`, an xtask crate and the `cargo xtask`
//! alias. It never overwrites: an existing file is reported and left alone.

use crate::output::{note, out, Exit};
use crate::workflow::workflow;
use bedrock_engine::{Error, Organization, OrganizationScope, DEFAULT_ROLE_NAME};
use clap::Args;
use std::path::{Path, PathBuf};

const SPEC: &str = include_str!("../templates/bedrock.toml");
/// The commit this tool was built from, when known (`build.rs`).
const COMMIT: Option<&str> = option_env!("LIBRECHAT_BEDROCK_COMMIT");

/// The workflow's install step: pinned to `commit` (the one that wrote it), so the job runs
/// the version that was reviewed; changing the rev is a pull request of its own.
fn install_step(git: &str, commit: Option<&str>) -> String {
    match commit {
        Some(rev) => format!(
            "      # Pinned to the commit of the tool that wrote this file: to upgrade, change the rev\n      # (the pull request then shows what the new version would change).\n      - name: Install {PACKAGE}\n        run: cargo install --locked --git {git} --rev {rev} {PACKAGE}\n"
        ),
        None => format!(
            "      # Not pinned: the tool that wrote this file was not built from a git checkout and\n      # knows no commit. Add `--rev COMMIT` (the commit you reviewed) to pin it.\n      - name: Install {PACKAGE}\n        run: cargo install --locked --git {git} {PACKAGE}\n"
        ),
    }
}

/// This workspace's lock file: the exact versions every test of the tool ran with.
const TESTED_LOCK: &str = include_str!("../../../Cargo.lock");
const XTASK_MANIFEST: &str = include_str!("../templates/xtask-Cargo.toml");
const XTASK_MAIN: &str = include_str!("../templates/xtask-main.rs");
const CARGO_CONFIG: &str = include_str!("../templates/cargo-config.toml");

/// Where the project's sources are, for a dependency by git (`--dependency-git`).
const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");
/// The package a user's xtask crate depends on.
const PACKAGE: &str = "librechat-bedrock";

/// Set up this repository: bedrock.toml, .env in .gitignore, the drift workflow.
#[derive(Args, Debug)]
pub struct InitArgs {
    /// The repository's root.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// Also write an xtask crate and the `cargo xtask` alias, so that `cargo xtask bedrock
    /// <command>` runs this tool in the repository.
    #[arg(long)]
    pub xtask: bool,
    /// With --xtask: depend on the tool at this path (this project's checkout, or its
    /// crates/librechat-bedrock) instead of by git.
    #[arg(
        long,
        value_name = "PATH",
        requires = "xtask",
        conflicts_with = "dependency_git"
    )]
    pub dependency_path: Option<PathBuf>,
    /// With --xtask: depend on the tool from this git repository.
    #[arg(long, value_name = "URL", requires = "xtask", default_value = REPOSITORY)]
    pub dependency_git: String,
    /// Write the drift workflow for every active account of the AWS Organization, found
    /// when it runs (instead of the credentials' own account).
    #[arg(long, conflicts_with = "organization_unit")]
    pub organization: bool,
    /// Write the drift workflow for the accounts under this OU, nested OUs included, found
    /// when it runs (repeatable).
    #[arg(long = "organization-unit", value_name = "OU_ID")]
    pub organization_unit: Vec<String>,
    /// With --organization or --organization-unit: the role the workflow assumes in each
    /// account (a read-only one of your own is better than the default).
    #[arg(long, value_name = "NAME", default_value = DEFAULT_ROLE_NAME)]
    pub role_name: String,
}

/// What happened to one file.
enum Done {
    Wrote,
    Kept,
    Added(Vec<String>),
    Current,
}

impl InitArgs {
    pub fn run(self) -> Result<Exit, Error> {
        let root = &self.dir;
        if !root.is_dir() {
            let what = if root.exists() {
                "is not a directory"
            } else {
                "does not exist"
            };
            return Err(Error::other(
                format!("{} {what}; nothing was written", root.display()),
                "run init in your repository's root, or name it with --dir",
            ));
        }
        // Everything is decided before anything is written: a bad --dependency-path writes
        // nothing.
        let organization = self.organization()?;
        let dependency = if self.xtask {
            Some(self.dependency(root)?)
        } else {
            None
        };
        let program = crate::program();
        let generator = format!("{program} init");
        let region = region();
        let command = if self.xtask {
            "cargo xtask bedrock".to_string()
        } else {
            PACKAGE.to_string()
        };
        let install = if self.xtask {
            String::new()
        } else {
            install_step(&self.dependency_git, COMMIT)
        };
        let (spec, models_fit) = spec_for(&region);
        let workflow = workflow(&command, &install, &generator, organization.as_ref());
        // Installed: rust-cache keeps ~/.cargo/bin, and there is no xtask/ to cache.
        let workflow = if self.xtask {
            workflow
        } else {
            workflow.replace("          workspaces: xtask -> target\n", "")
        };
        let mut files: Vec<(PathBuf, String)> = vec![
            (
                root.join("bedrock.toml"),
                spec.replace("{{generator}}", &generator),
            ),
            (root.join(".github/workflows/bedrock-drift.yml"), workflow),
        ];
        // Anywhere: --out and --assume-role put these files in other directories too.
        let mut ignored = vec![".env", "**/policies/librechat-invoke.rendered.json"];
        if let Some(dependency) = &dependency {
            files.push((
                root.join("xtask/Cargo.toml"),
                XTASK_MANIFEST.replace("{{dependency}}", dependency),
            ));
            files.push((root.join("xtask/src/main.rs"), XTASK_MAIN.to_string()));
            // The versions this tool was tested with: Cargo keeps every locked version the
            // xtask crate's dependencies allow, and resolves only what differs (the tool itself,
            // by git or path, and the xtask crate).
            files.push((root.join("xtask/Cargo.lock"), TESTED_LOCK.to_string()));
            ignored.push("/xtask/target");
        }
        let mut report = Vec::new();
        for (path, text) in &files {
            report.push((path.clone(), write_new(path, text)?));
        }
        report.push((root.join(".gitignore"), ignore(root, &ignored)?));
        if self.xtask {
            report.push((root.join(".cargo/config.toml"), alias(root)?));
        }
        for (path, done) in &report {
            let shown = path.strip_prefix(".").unwrap_or(path).display();
            match done {
                Done::Wrote => out(format_args!("wrote    {shown}\n")),
                Done::Kept => out(format_args!(
                    "kept     {shown} (it exists: left as it is)\n"
                )),
                Done::Added(lines) => {
                    out(format_args!("added    {} to {shown}\n", lines.join(", ")))
                }
                Done::Current => out(format_args!("current  {shown}\n")),
            }
        }
        match git_root(root) {
            Some(top) if !same_dir(&top, root) => note(format!(
                "note: {} is inside the git repository {}, not its root: GitHub runs workflows only from the root's .github/workflows; run `{program} init --dir {}` there, or move the workflow",
                root.display(),
                top.display(),
                top.display()
            )),
            Some(_) => {}
            None => note(format!(
                "note: {} is not in a git repository: the workflow and .gitignore take effect once it is",
                root.display()
            )),
        }
        if !models_fit && matches!(report.first(), Some((_, Done::Wrote))) {
            note(format!(
                "note: the example's models are US, EU and Asia Pacific inference profiles: in {region}, change them to ones the region offers (`global.` profiles serve every commercial region); `{program} plan` names each one it does not"
            ));
        }
        if let Some(path) = &self.dependency_path {
            if std::path::absolute(path)
                .ok()
                .zip(std::path::absolute(root).ok())
                .is_some_and(|(p, r)| !p.starts_with(r))
            {
                note(format!(
                    "note: xtask/Cargo.toml depends on the tool by a path outside this repository ({}): the drift workflow cannot build it on GitHub; use --dependency-git for that, or keep the tool inside the repository",
                    path.display()
                ));
            }
        }
        let run = if self.xtask {
            "cargo xtask bedrock"
        } else {
            program
        };
        let wrote_spec = matches!(report.first(), Some((_, Done::Wrote)));
        let edit = if wrote_spec {
            format!("edit bedrock.toml (region {region})")
        } else {
            "edit bedrock.toml".to_string()
        };
        out(format_args!(
            "\nNext: {edit}, then\n  {run} validate          checks it, without AWS\n  {run} apply --local     tries it on the embedded AWS emulator\n  {run} plan              shows what it would change in your account\n"
        ));
        if report
            .iter()
            .any(|(p, d)| matches!(d, Done::Kept) && p.ends_with(".cargo/config.toml"))
        {
            note(
                "note: .cargo/config.toml exists and has no alias that runs xtask/Cargo.toml: add (or change yours to)\n  [alias]\n  xtask = \"run --manifest-path xtask/Cargo.toml --\"",
            );
        }
        Ok(Exit::Success)
    }

    /// `--organization` or `--organization-unit`, checked before anything is written.
    fn organization(&self) -> Result<Option<Organization>, Error> {
        let scope = if self.organization {
            OrganizationScope::Organization
        } else if !self.organization_unit.is_empty() {
            OrganizationScope::Units(self.organization_unit.clone())
        } else if self.role_name != DEFAULT_ROLE_NAME {
            return Err(Error::other(
                "--role-name names the role of each account an organization has, and neither --organization nor --organization-unit was given; nothing was written",
                "add --organization (every account) or --organization-unit OU_ID",
            ));
        } else {
            return Ok(None);
        };
        let org = Organization {
            scope,
            role_name: self.role_name.clone(),
            include_own: false,
        };
        org.check().map_err(|e| match e {
            Error::Other { message, help } => Error::other(
                message.replace("nothing was called", "nothing was written"),
                help,
            ),
            e => e,
        })?;
        Ok(Some(org))
    }

    /// The xtask crate's dependency line.
    fn dependency(&self, root: &Path) -> Result<String, Error> {
        let Some(path) = &self.dependency_path else {
            return Ok(format!(
                "{PACKAGE} = {{ git = \"{}\" }}",
                self.dependency_git
            ));
        };
        let crate_dir = [path.clone(), path.join("crates").join(PACKAGE)]
            .into_iter()
            .find(|dir| {
                std::fs::read_to_string(dir.join("Cargo.toml"))
                    .is_ok_and(|m| m.lines().any(|l| l.trim() == format!("name = \"{PACKAGE}\"")))
            })
            .ok_or_else(|| {
                Error::other(
                    format!(
                        "--dependency-path {}: no {PACKAGE} crate there, nor in its crates/{PACKAGE}; nothing was written",
                        path.display()
                    ),
                    "name a checkout of this project, or its crates/librechat-bedrock",
                )
            })?;
        let absolute = crate_dir
            .canonicalize()
            .or_else(|_| std::path::absolute(&crate_dir))
            .unwrap_or(crate_dir);
        let root = root
            .canonicalize()
            .or_else(|_| std::path::absolute(root))
            .unwrap_or_else(|_| root.to_path_buf());
        // Inside the repository, relative to xtask/ (the repository moves with it); outside,
        // absolute.
        let shown = if absolute.starts_with(&root) {
            relative(&absolute, &root.join("xtask")).unwrap_or(absolute)
        } else {
            absolute
        };
        let shown = shown.display().to_string().replace('\\', "/");
        Ok(format!("{PACKAGE} = {{ path = {shown:?} }}"))
    }
}

/// The spec for `region`, its models the region's own inference profiles (US, EU, Asia
/// Pacific), and whether they fit it.
fn spec_for(region: &str) -> (String, bool) {
    let spec = SPEC.replace("{{region}}", region);
    const SONNET_37: &str = "us.anthropic.claude-3-7-sonnet-20250219-v1:0";
    const SONNET_45: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    const NOVA_PRO: &str = "us.amazon.nova-pro-v1:0";
    if region.starts_with("us-gov-") || region.starts_with("cn-") || region.starts_with("us-iso") {
        // Other partitions: other model ids, which the example cannot know.
        return (spec, false);
    }
    let geo = match region.split('-').next() {
        Some("us") => return (spec, true),
        Some("eu") => ["eu.", "eu.", "eu."],
        // Asia Pacific has no apac. Sonnet 4.5: the global profile serves it.
        Some("ap") => ["apac.", "global.", "apac."],
        _ => return (spec, false),
    };
    let spec = [SONNET_37, SONNET_45, NOVA_PRO]
        .iter()
        .zip(geo)
        .fold(spec, |spec, (id, prefix)| {
            spec.replace(id, &format!("{prefix}{}", &id["us.".len()..]))
        });
    (spec, true)
}

/// The root of the git repository `dir` is in, if any.
fn git_root(dir: &Path) -> Option<PathBuf> {
    let dir = dir.canonicalize().ok()?;
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

fn same_dir(a: &Path, b: &Path) -> bool {
    a.canonicalize().ok() == b.canonicalize().ok()
}

/// The region for the new spec: AWS_REGION, AWS_DEFAULT_REGION, or us-east-1.
fn region() -> String {
    ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .map(|r| r.trim().to_string())
        .find(|r| !r.is_empty())
        .filter(|r| {
            let valid = bedrock_engine::is_region(r);
            if !valid {
                note(format!(
                    "note: the region in the environment, {r:?}, is not an AWS region code: the spec says us-east-1"
                ));
            }
            valid
        })
        .unwrap_or_else(|| "us-east-1".to_string())
}

/// `to` relative to `from`, when both are absolute and share a root.
fn relative(to: &Path, from: &Path) -> Option<PathBuf> {
    let to: Vec<_> = to.components().collect();
    let from: Vec<_> = from.components().collect();
    let common = to.iter().zip(&from).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &to[common..] {
        out.push(c);
    }
    Some(out)
}

/// Write `text` to `path` unless something is there.
fn write_new(path: &Path, text: &str) -> Result<Done, Error> {
    if path.exists() || path.is_symlink() {
        return Ok(Done::Kept);
    }
    let fail = |e: std::io::Error| {
        Error::other(
            format!("cannot write {}: {e}", path.display()),
            "check that the directory is writable",
        )
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    // create_new: never over a file that appeared since the check.
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(fail)?;
    file.write_all(text.as_bytes()).map_err(fail)?;
    Ok(Done::Wrote)
}

/// Add the lines `.gitignore` lacks (at its end, the rest untouched).
fn ignore(root: &Path, lines: &[&str]) -> Result<Done, Error> {
    let path = root.join(".gitignore");
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(Error::other(
                format!("cannot read {}: {e}", path.display()),
                "check its permissions",
            ))
        }
    };
    let text = existing.clone().unwrap_or_default();
    let has = |line: &str| {
        let bare = line.trim_start_matches('/');
        text.lines().any(|l| {
            let l = l.trim();
            l == line || l == bare || l == format!("/{bare}") || l == format!("{bare}/")
        })
    };
    let missing: Vec<String> = lines
        .iter()
        .filter(|l| !has(l))
        .map(|l| l.to_string())
        .collect();
    if missing.is_empty() {
        return Ok(Done::Current);
    }
    let mut new = text.clone();
    if !new.is_empty() && !new.ends_with('\n') {
        new.push('\n');
    }
    new.push_str("# LibreChat's secrets and the tool's local files (librechat-bedrock init)\n");
    for l in &missing {
        new.push_str(l);
        new.push('\n');
    }
    bedrock_engine::write_atomically(&path, &new)?;
    if existing.is_none() {
        return Ok(Done::Wrote);
    }
    Ok(Done::Added(missing))
}

/// The `cargo xtask` alias in `.cargo/config.toml`: written when the file is not there; an
/// existing file is left alone.
fn alias(root: &Path) -> Result<Done, Error> {
    let path = root.join(".cargo/config.toml");
    match std::fs::read_to_string(&path) {
        // Current only when the alias runs this crate.
        Ok(text)
            if text.lines().any(|l| {
                let l = l.trim_start();
                l.starts_with("xtask") && l.contains("xtask/Cargo.toml")
            }) =>
        {
            Ok(Done::Current)
        }
        Ok(_) => Ok(Done::Kept),
        Err(_) => write_new(&path, CARGO_CONFIG),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_written_relative_to_the_xtask_crate() {
        assert_eq!(
            relative(Path::new("/src/tool/crates/x"), Path::new("/repo/xtask")),
            Some(PathBuf::from("../../src/tool/crates/x"))
        );
        assert_eq!(
            relative(Path::new("/repo/vendor/x"), Path::new("/repo/xtask")),
            Some(PathBuf::from("../vendor/x"))
        );
    }

    #[test]
    fn the_templates_have_no_placeholder_left_once_filled() {
        let spec = SPEC
            .replace("{{generator}}", "g")
            .replace("{{region}}", "us-east-1");
        let flow = workflow("c", "", "g", None);
        let manifest = XTASK_MANIFEST.replace("{{dependency}}", "x = 1");
        for text in [spec, manifest] {
            assert!(!text.contains("{{"), "{text}");
        }
        // GitHub's own expressions stay: `${{ ... }}`.
        assert!(!flow.replace("${{ ", "").contains("{{"), "{flow}");
    }

    /// The workflow's check, run by bash as GitHub runs it, with a stand-in for the tool that
    /// exits as `drift` would: on a pull request, drift (what merging changes) passes and goes
    /// to the summary; on the schedule it fails; an error fails both.
    #[test]
    fn the_workflow_passes_a_pull_request_that_changes_the_stack_and_fails_scheduled_drift() {
        let flow = workflow("stand_in", "", "g", None);
        for (event, exit, expected, title) in [
            (
                "pull_request",
                2,
                0,
                "### What merging this pull request changes in AWS",
            ),
            ("schedule", 2, 2, "### bedrock drift"),
            ("pull_request", 1, 1, "### What merging"),
            ("schedule", 0, 0, "### bedrock drift"),
        ] {
            let (code, stdout, written) = crate::workflow::run_check(
                &flow,
                event,
                &format!("echo '~ inference profile P'; return {exit};"),
            );
            assert_eq!(
                code,
                Some(expected),
                "{event}, drift exiting {exit}: {stdout}"
            );
            assert!(
                written.starts_with(title) && written.contains("~ inference profile P"),
                "{event}: {written}"
            );
        }
    }

    #[test]
    fn the_install_is_pinned_to_the_commit_that_wrote_it() {
        let rev = "0123456789abcdef0123456789abcdef01234567";
        let pinned = install_step("https://example.com/t.git", Some(rev));
        assert!(
            pinned.contains(&format!(
                "cargo install --locked --git https://example.com/t.git --rev {rev} librechat-bedrock\n"
            )),
            "{pinned}"
        );
        let loose = install_step("https://example.com/t.git", None);
        assert!(
            loose.contains("Not pinned")
                && loose.contains(
                    "run: cargo install --locked --git https://example.com/t.git librechat-bedrock\n"
                ),
            "{loose}"
        );
        // This checkout is a git repository: the build knows its commit.
        assert!(COMMIT.is_some_and(|c| c.len() == 40));
    }
}
