//! The files generated from the spec (`librechat.yaml`, the rendered policies), the `.env`
//! merge, and the one function that writes a file: atomically (a temporary file in the same
//! directory, renamed over the old one), so a failure never leaves a half-written file. The
//! plan decides what to write; the engine computes every file before writing any.

mod env;

pub use env::{assigned_name, block_values, has_block, merge_env, value_of};

use bedrock_spec::Spec;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A file to generate: where (relative to the output directory) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: PathBuf,
    pub contents: String,
    /// Unix permission bits for a new file; an existing file keeps its own unless `private`.
    pub mode: u32,
    /// Always exactly `mode` (0600 for `.env`), whatever the existing file had.
    pub private: bool,
    /// Where the contents came from, for the summary (`from policies/x.json`).
    pub note: String,
    /// What of the user's the file keeps that the spec could set (keys inside
    /// `endpoints.bedrock`), for the plan's "kept on purpose".
    pub kept: Option<String>,
}

#[derive(Debug)]
pub struct GenerateError {
    pub path: PathBuf,
    pub message: String,
    pub help: String,
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}\n  help: {}",
            self.path.display(),
            self.message,
            self.help
        )
    }
}

impl std::error::Error for GenerateError {}

/// What generating needs to know beyond the spec.
pub struct Inputs<'a> {
    pub spec: &'a Spec,
    /// The spec file's name, named in the generated headers.
    pub spec_name: &'a str,
    /// The directory the spec is in: templates are read from its `policies/`.
    pub spec_dir: &'a Path,
    pub out_dir: &'a Path,
    /// The account to render for (the spec's `account_id`, or the live one, or a placeholder).
    pub account_id: &'a str,
    /// The id and published version of the guardrail `[librechat] guardrail` names by name
    /// (one of `[[guardrails]]`), when known: only AWS knows them.
    pub guardrail: Option<(&'a str, &'a str)>,
}

pub const LIBRECHAT_YAML: &str = "librechat.yaml";
pub const DOT_ENV: &str = ".env";
/// The region line LibreChat reads for Bedrock.
pub const REGION_VARIABLE: &str = "BEDROCK_AWS_DEFAULT_REGION";

/// The files `generate --offline` writes: `librechat.yaml` and the rendered policies.
pub fn offline_files(inputs: &Inputs<'_>) -> Result<Vec<GeneratedFile>, GenerateError> {
    let mut files = vec![librechat_yaml(inputs)?];
    files.extend(policy_files(inputs)?);
    Ok(files)
}

/// The rendered logging policies (none when logging is another stack's).
pub fn policy_files(inputs: &Inputs<'_>) -> Result<Vec<GeneratedFile>, GenerateError> {
    let mut files = Vec::new();
    // The logging policies describe logging this stack sets up: none when it is another's.
    if !inputs.spec.logging.managed {
        return Ok(files);
    }
    let policies_dir = inputs.spec_dir.join("policies");
    let rendered = bedrock_policy::render_all(&policies_dir, inputs.spec, inputs.account_id)
        .map_err(|e| GenerateError {
            path: PathBuf::from(&e.origin),
            message: match e.line {
                Some(line) => format!("line {line}: {}", e.message),
                None => e.message.clone(),
            },
            help: e.help.clone(),
        })?;
    // S3 alone needs no logging role: only the bucket's policy describes what exists.
    let role_kinds = [
        bedrock_policy::PolicyKind::LoggingTrust,
        bedrock_policy::PolicyKind::LoggingCloudWatch,
        bedrock_policy::PolicyKind::LoggingS3,
    ];
    let no_role = !inputs.spec.logging.to_cloudwatch();
    for r in rendered {
        if no_role && role_kinds.contains(&r.kind) {
            continue;
        }
        files.push(GeneratedFile {
            path: Path::new("policies").join(r.kind.rendered_file()),
            contents: r.to_canonical_json(),
            mode: 0o644,
            private: false,
            note: format!("{}, from {}", r.kind.describe(), r.origin),
            kept: None,
        });
    }
    Ok(files)
}

/// `librechat.yaml` as it is on disk in `out_dir` (None: no file).
pub fn existing_librechat_yaml(out_dir: &Path) -> Result<Option<String>, GenerateError> {
    read_existing(
        &out_dir.join(LIBRECHAT_YAML),
        "LibreChat reads librechat.yaml as UTF-8: re-save it as UTF-8",
    )
}

fn librechat_yaml(inputs: &Inputs<'_>) -> Result<GeneratedFile, GenerateError> {
    let existing = existing_librechat_yaml(inputs.out_dir)?;
    librechat_file(
        existing.as_deref(),
        inputs.spec,
        inputs.spec_name,
        inputs.guardrail,
        &inputs.out_dir.join(LIBRECHAT_YAML),
    )
}

/// `librechat.yaml` from its existing text: `endpoints.bedrock` from the spec (and the
/// managed guardrail's id and version), every other byte kept. `path` is how errors name it.
pub fn librechat_file(
    existing: Option<&str>,
    spec: &Spec,
    spec_name: &str,
    guardrail: Option<(&str, &str)>,
    path: &Path,
) -> Result<GeneratedFile, GenerateError> {
    let path = path.to_path_buf();
    let section = bedrock_librechat::bedrock_section(spec, guardrail).map_err(|_| {
        let name = match spec.librechat.guardrail.as_ref().map(|g| &g.target) {
            Some(bedrock_spec::GuardrailTarget::Managed { name }) => name.as_str(),
            _ => "",
        };
        GenerateError {
            path: path.clone(),
            message: format!("[librechat] guardrail names {name:?} of [[guardrails]], whose id and published version only AWS knows"),
            help: "write it with AWS: `cargo xtask apply` creates the guardrail, `cargo xtask generate` (without --offline) writes the file from the live guardrail".into(),
        }
    })?;
    let contents =
        bedrock_librechat::update(existing, &section, spec_name).map_err(|e| GenerateError {
            path: path.clone(),
            message: match e.line {
                Some(line) => format!("line {line}: {}", e.message),
                None => e.message.clone(),
            },
            help: e.help.clone(),
        })?;
    let kept: Vec<String> = existing
        .map(|text| bedrock_librechat::kept_keys(text, &section))
        .unwrap_or_default()
        .iter()
        .map(|k| match bedrock_librechat::spec_key_of(k) {
            Some(key) => format!("{k} (the spec sets it with {key})"),
            None => k.clone(),
        })
        .collect();
    let kept = (!kept.is_empty()).then(|| {
        format!(
            "your keys inside endpoints.bedrock that the spec does not set stay: {}",
            kept.join(", ")
        )
    });
    Ok(GeneratedFile {
        path: PathBuf::from(LIBRECHAT_YAML),
        contents,
        mode: 0o644,
        private: false,
        note: match (&existing, &kept) {
            (None, _) => "new file".into(),
            (Some(_), None) => "endpoints.bedrock from the spec, the rest of the file yours".into(),
            (Some(_), Some(kept)) => format!("endpoints.bedrock from the spec; {kept}"),
        },
        kept,
    })
}

/// An existing file's text, None when there is no file.
pub fn read_existing(path: &Path, utf8_help: &str) -> Result<Option<String>, GenerateError> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| GenerateError {
                path: path.to_path_buf(),
                message: "not valid UTF-8".into(),
                help: utf8_help.into(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => Err(GenerateError {
            path: path.to_path_buf(),
            message: "a part of this path is a file, not a directory".into(),
            help: "choose another --out, or move that file out of the way".into(),
        }),
        Err(e) => Err(GenerateError {
            path: path.to_path_buf(),
            message: format!("cannot read it: {e}"),
            help: "check the file's permissions".into(),
        }),
    }
}

/// Write `bytes` to `path` through a temporary file in the same directory and a rename, so
/// readers see the old file or the new one, never a mix. A symlink is followed: the file it
/// points at is replaced, the link stays. An existing file keeps its owner, group and mode,
/// except that a `private` one (`.env`) loses the bits that let others read it; a new file
/// gets `mode`. Returns what people should know about the write (through a link, a mode
/// narrowed), if anything.
pub fn write_atomic(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    private: bool,
) -> Result<Option<String>, GenerateError> {
    let fail = |what: &str, e: std::io::Error| GenerateError {
        path: path.to_path_buf(),
        message: format!("{what}: {e}"),
        help: "check that the directory exists and is writable".into(),
    };
    let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let target = if link {
        std::fs::canonicalize(path).map_err(|e| GenerateError {
            path: path.to_path_buf(),
            message: format!("it is a symbolic link to a file that cannot be reached: {e}"),
            help: "create the file it points at, or replace the link with a file".into(),
        })?
    } else {
        path.to_path_buf()
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| fail("cannot create its directory", e))?;
    let existing = std::fs::metadata(&target).ok();
    let mut tmp = tempfile::Builder::new()
        .prefix(".generate-")
        .tempfile_in(&dir)
        .map_err(|e| fail("cannot create a temporary file beside it", e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| fail("cannot write", e))?;
    let mut notes = Vec::new();
    if link {
        notes.push(format!("written to {} through the link", target.display()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let mode = match &existing {
            Some(m) => {
                let old = m.mode() & 0o7777;
                let new = if private { old & !0o007 } else { old };
                if new != old {
                    notes.push(format!(
                        "mode {old:04o} -> {new:04o}: others could read its secrets"
                    ));
                }
                new
            }
            None => mode,
        };
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode))
            .map_err(|e| fail("cannot set permissions", e))?;
        if let Some(m) = &existing {
            let mine = tmp
                .as_file()
                .metadata()
                .map_err(|e| fail("cannot read", e))?;
            if (mine.uid(), mine.gid()) != (m.uid(), m.gid()) {
                std::os::unix::fs::fchown(tmp.as_file(), Some(m.uid()), Some(m.gid())).map_err(
                    |e| GenerateError {
                        path: path.to_path_buf(),
                        message: format!(
                            "cannot keep its owner and group (uid {}, gid {}): {e}; nothing was written",
                            m.uid(),
                            m.gid()
                        ),
                        help: "run as the file's owner (or root), or let this user own it".into(),
                    },
                )?;
            }
        }
    }
    tmp.persist(&target)
        .map_err(|e| fail("cannot replace it", e.error))?;
    Ok((!notes.is_empty()).then(|| notes.join("; ")))
}

/// Whether `path` can be written as `write_atomic` writes it: its directory (the link's
/// target's) exists or can be made and takes a new file. Leaves nothing behind.
pub fn check_writable(path: &Path) -> Result<(), GenerateError> {
    let fail = |message: String| GenerateError {
        path: path.to_path_buf(),
        message,
        help: "make the directory writable, or choose another with --out".into(),
    };
    let target = if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        std::fs::canonicalize(path).map_err(|e| {
            fail(format!(
                "it is a symbolic link to a file that cannot be reached: {e}"
            ))
        })?
    } else {
        path.to_path_buf()
    };
    let mut dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // A directory still to make: the nearest one that exists must take it.
    while !dir.exists() {
        match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => dir = p.to_path_buf(),
            _ => {
                dir = PathBuf::from(".");
                break;
            }
        }
    }
    tempfile::Builder::new()
        .prefix(".generate-check-")
        .tempfile_in(&dir)
        .map(drop)
        .map_err(|e| {
            fail(format!(
                "cannot be written: {} takes no new file ({e})",
                dir.display()
            ))
        })
}

/// Hold the lock of `dir` (the directory of generated files) while `f` runs: two runs that
/// write one directory's files take turns, so neither loses the other's lines.
pub fn with_directory_lock<T>(
    dir: &Path,
    f: impl FnOnce() -> Result<T, GenerateError>,
) -> Result<T, GenerateError> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let fail = |e: std::io::Error| GenerateError {
        path: dir.to_path_buf(),
        message: format!("cannot lock the directory: {e}; no file was written"),
        help: "check that the directory exists and is readable".into(),
    };
    if dir.exists() && !dir.is_dir() {
        return Err(GenerateError {
            path: dir.to_path_buf(),
            message: "it is a file, not a directory; no file was written".into(),
            help: "move that file out of the way, or choose another --out".into(),
        });
    }
    std::fs::create_dir_all(dir).map_err(fail)?;
    let handle = std::fs::File::open(dir).map_err(fail)?;
    handle.lock().map_err(fail)?;
    let out = f();
    let _ = handle.unlock();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    fn set_mode(p: &Path, m: u32) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    }

    #[test]
    fn atomic_write_keeps_mode_owner_and_links() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        assert_eq!(write_atomic(&p, b"one", 0o600, false).unwrap(), None);
        assert_eq!(mode(&p), 0o600, "a new file gets the mode");
        set_mode(&p, 0o640);
        write_atomic(&p, b"two", 0o600, false).unwrap();
        assert_eq!(mode(&p), 0o640, "an existing file keeps its own");
        write_atomic(&p, b"three", 0o600, true).unwrap();
        assert_eq!(
            mode(&p),
            0o640,
            "a private one too, when others cannot read it"
        );
        set_mode(&p, 0o644);
        let note = write_atomic(&p, b"four", 0o600, true).unwrap();
        assert_eq!(
            mode(&p),
            0o640,
            "a private one loses only the bits for others"
        );
        assert_eq!(
            note.as_deref(),
            Some("mode 0644 -> 0640: others could read its secrets")
        );

        // A link is followed: the target is written, the link stays a link.
        let target = dir.path().join("real.env");
        std::fs::write(&target, "old").unwrap();
        set_mode(&target, 0o600);
        let link = dir.path().join(".env");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let note = write_atomic(&link, b"new", 0o600, true).unwrap().unwrap();
        assert!(
            note.starts_with("written to ") && note.ends_with("real.env through the link"),
            "{note}"
        );
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        let err = write_atomic(&dangling, b"x", 0o600, true).unwrap_err();
        assert!(
            err.message
                .contains("symbolic link to a file that cannot be reached"),
            "{err}"
        );

        // Owner and group are kept (as root, the only user that can give a file away).
        if std::fs::metadata(&p).unwrap().uid() == 0 {
            std::os::unix::fs::chown(&p, Some(1234), Some(2345)).unwrap();
            write_atomic(&p, b"five", 0o600, true).unwrap();
            let m = std::fs::metadata(&p).unwrap();
            assert_eq!((m.uid(), m.gid()), (1234, 2345));
        }
        // No temporary files are left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 4);
    }

    #[test]
    fn the_directory_lock_serialises_writers() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("count");
        std::fs::write(&p, "0").unwrap();
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (dir, p) = (dir.path().to_path_buf(), p.clone());
                std::thread::spawn(move || {
                    with_directory_lock(&dir, || {
                        let n: u32 = std::fs::read_to_string(&p).unwrap().parse().unwrap();
                        std::thread::sleep(std::time::Duration::from_millis(5));
                        write_atomic(&p, (n + 1).to_string().as_bytes(), 0o600, false)
                    })
                    .unwrap();
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "8");
    }
}
