//! Writing the generated files: the one function that writes a file (atomically: a
//! temporary file in the same directory, renamed over the old one, so a failure never leaves
//! a half-written file), the check that a file can be written before any AWS write, and the
//! lock that serialises two runs writing one directory. What to write is decided elsewhere,
//! with no I/O of this kind: the contents by `bedrock-generate`, the plan by `bedrock-plan`;
//! the engine calls this crate once every file is computed.

use bedrock_generate::GenerateError;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The variable that lets a link lead outside the project (`1`): for the rare setup whose
/// generated files really live elsewhere, said on purpose.
pub const LINKS_OUTSIDE: &str = "BEDROCK_XTASK_FOLLOW_LINKS_OUTSIDE";

/// Where the generated files may be written through a link: inside the output directory, or
/// the repository it is in (the nearest directory above it with a `.git`). A link anywhere
/// else is refused: in a repository whose CI runs as root, a committed `.env` link must not
/// reach any file on the runner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    roots: Vec<PathBuf>,
    /// `BEDROCK_XTASK_FOLLOW_LINKS_OUTSIDE=1`: links may lead anywhere.
    anywhere: bool,
}

impl Project {
    /// The project of the output directory `out_dir`.
    pub fn of(out_dir: &Path) -> Project {
        let dir = if out_dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            out_dir
        };
        let mut roots = Vec::new();
        // The directory may not exist yet: its nearest existing ancestor stands for it.
        let mut existing = dir.to_path_buf();
        while !existing.exists() {
            match existing.parent() {
                Some(p) if !p.as_os_str().is_empty() => existing = p.to_path_buf(),
                _ => {
                    existing = PathBuf::from(".");
                    break;
                }
            }
        }
        if let Ok(canonical) = std::fs::canonicalize(&existing) {
            let repository = canonical.ancestors().find(|a| a.join(".git").exists());
            if let Some(r) = repository {
                roots.push(r.to_path_buf());
            }
            roots.push(canonical);
        }
        Project {
            roots,
            anywhere: std::env::var(LINKS_OUTSIDE).is_ok_and(|v| v == "1"),
        }
    }

    /// A project that takes links anywhere (tests of other things, and the variable).
    pub fn anywhere() -> Project {
        Project {
            roots: Vec::new(),
            anywhere: true,
        }
    }

    /// Where a write of `path` lands: the file itself, or the file its link points at when
    /// that is inside the project. A link that leads outside, or nowhere, is refused.
    fn target(&self, path: &Path) -> Result<(PathBuf, bool), GenerateError> {
        let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        if !link {
            return Ok((path.to_path_buf(), false));
        }
        let target = std::fs::canonicalize(path).map_err(|e| GenerateError {
            path: path.to_path_buf(),
            message: format!("it is a symbolic link to a file that cannot be reached: {e}"),
            help: "create the file it points at, or replace the link with a file".into(),
        })?;
        if self.anywhere || self.roots.iter().any(|r| target.starts_with(r)) {
            return Ok((target, true));
        }
        let inside = self
            .roots
            .first()
            .map_or_else(|| "the project".to_string(), |r| r.display().to_string());
        Err(GenerateError {
            path: path.to_path_buf(),
            message: format!(
                "it is a symbolic link to {}, outside {inside}: this tool writes through a link only to a file inside the project; nothing was written",
                target.display()
            ),
            help: format!("replace the link with a file (or point it inside the project); if the file really lives there, run again with {LINKS_OUTSIDE}=1"),
        })
    }
}

/// A file its owner made read-only is refused, not replaced: the atomic rename would replace
/// it whatever its mode (and root writes any file).
fn refuse_read_only(
    path: &Path,
    existing: Option<&std::fs::Metadata>,
) -> Result<(), GenerateError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Some(m) = existing.filter(|m| m.is_file()) {
            let mode = m.permissions().mode() & 0o7777;
            if mode & 0o222 == 0 {
                return Err(GenerateError {
                    path: path.to_path_buf(),
                    message: format!(
                        "it is read-only (mode {mode:04o}): this tool does not replace a file made read-only; nothing was written"
                    ),
                    help: format!(
                        "make it writable (`chmod u+w {}`) if this tool should write it, or remove it",
                        path.display()
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Write `bytes` to `path` through a temporary file in the same directory and a rename, so
/// readers see the old file or the new one, never a mix. A symlink is followed when it leads
/// inside `project`: the file it points at is replaced, the link stays. A read-only file is
/// refused. An existing file keeps its owner, group and mode,
/// except that a `private` one (`.env`) loses the bits that let others read it; a new file
/// gets `mode`. Returns what people should know about the write (through a link, a mode
/// narrowed), if anything.
pub fn write_atomic(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    private: bool,
    project: &Project,
) -> Result<Option<String>, GenerateError> {
    let fail = |what: &str, e: std::io::Error| GenerateError {
        path: path.to_path_buf(),
        message: format!("{what}: {e}"),
        help: "check that the directory exists and is writable".into(),
    };
    let (target, link) = project.target(path)?;
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| fail("cannot create its directory", e))?;
    let existing = std::fs::metadata(&target).ok();
    refuse_read_only(path, existing.as_ref())?;
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

/// Whether `path` can be written as `write_atomic` writes it: a link leads inside `project`,
/// the file is not read-only, and its directory (the link's target's) exists or can be made
/// and takes a new file. Leaves nothing behind.
pub fn check_writable(path: &Path, project: &Project) -> Result<(), GenerateError> {
    let fail = |message: String| GenerateError {
        path: path.to_path_buf(),
        message,
        help: "make the directory writable, or choose another with --out".into(),
    };
    let (target, _) = project.target(path)?;
    refuse_read_only(path, std::fs::metadata(&target).ok().as_ref())?;
    // What the mode does not say (an immutable file, a file of another owner): opening it
    // for writing, which changes nothing, tells.
    if target.is_file() {
        std::fs::OpenOptions::new()
            .append(true)
            .open(&target)
            .map_err(|e| fail(format!("cannot be written: {e}")))?;
    }
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
        assert_eq!(
            write_atomic(&p, b"one", 0o600, false, &Project::anywhere()).unwrap(),
            None
        );
        assert_eq!(mode(&p), 0o600, "a new file gets the mode");
        set_mode(&p, 0o640);
        write_atomic(&p, b"two", 0o600, false, &Project::anywhere()).unwrap();
        assert_eq!(mode(&p), 0o640, "an existing file keeps its own");
        write_atomic(&p, b"three", 0o600, true, &Project::anywhere()).unwrap();
        assert_eq!(
            mode(&p),
            0o640,
            "a private one too, when others cannot read it"
        );
        set_mode(&p, 0o644);
        let note = write_atomic(&p, b"four", 0o600, true, &Project::anywhere()).unwrap();
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
        let note = write_atomic(&link, b"new", 0o600, true, &Project::of(dir.path()))
            .unwrap()
            .unwrap();
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
        let err = write_atomic(&dangling, b"x", 0o600, true, &Project::of(dir.path())).unwrap_err();
        assert!(
            err.message
                .contains("symbolic link to a file that cannot be reached"),
            "{err}"
        );

        // Owner and group are kept (as root, the only user that can give a file away).
        if std::fs::metadata(&p).unwrap().uid() == 0 {
            std::os::unix::fs::chown(&p, Some(1234), Some(2345)).unwrap();
            write_atomic(&p, b"five", 0o600, true, &Project::anywhere()).unwrap();
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
                        write_atomic(
                            &p,
                            (n + 1).to_string().as_bytes(),
                            0o600,
                            false,
                            &Project::anywhere(),
                        )
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

    #[test]
    fn a_link_out_of_the_project_and_a_read_only_file_are_refused() {
        let project = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let outside = elsewhere.path().join("passwd");
        std::fs::write(&outside, "root:x:0:0\n").unwrap();
        set_mode(&outside, 0o644);
        let link = project.path().join(".env");
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        let here = Project::of(project.path());
        for err in [
            check_writable(&link, &here).unwrap_err(),
            write_atomic(&link, b"X=1\n", 0o600, true, &here).unwrap_err(),
        ] {
            assert!(err.message.contains("outside"), "{err}");
            assert!(err.message.contains("passwd"), "{err}");
            assert!(err.help.contains(LINKS_OUTSIDE), "{err}");
        }
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "root:x:0:0\n");
        assert_eq!(mode(&outside), 0o644);
        // Inside the project, a link is followed.
        let inside = project.path().join("env.real");
        std::fs::write(&inside, "").unwrap();
        let link2 = project.path().join("in.env");
        std::os::unix::fs::symlink(&inside, &link2).unwrap();
        assert!(check_writable(&link2, &here).is_ok());
        // A read-only file is refused, not replaced.
        let ro = project.path().join("ro.env");
        std::fs::write(&ro, "MINE=1\n").unwrap();
        set_mode(&ro, 0o400);
        for err in [
            check_writable(&ro, &here).unwrap_err(),
            write_atomic(&ro, b"X=1\n", 0o600, true, &here).unwrap_err(),
        ] {
            assert!(err.message.contains("read-only (mode 0400)"), "{err}");
        }
        assert_eq!(std::fs::read_to_string(&ro).unwrap(), "MINE=1\n");
    }
}
