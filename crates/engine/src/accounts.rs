//! Many accounts: `--assume-role ARN`, repeatable. Every stack command then runs once per
//! account, concurrently with a bound (`--parallel`), each account's output kept together,
//! then one summary (account, changes, result); the exit code is the worst of them.
//! With no `--assume-role`, the one run prints as it goes, as it always has.

pub mod summary_file;

use crate::{json_text, Console, Error, Exit};
use std::fmt::Display;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// The stack of a thread that runs accounts: the main thread's size on Linux (8 MiB).
const WORKER_STACK: usize = 8 << 20;

/// One account a command runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The role assumed into it; None: the credentials as they are.
    pub role: Option<String>,
    /// The account the role's ARN names (or, with the credentials as they are in an account
    /// an organization listed, theirs).
    pub account: Option<String>,
    /// Its name, when Organizations listed it.
    pub name: Option<String>,
}

impl Target {
    /// How the summary and the output blocks name it.
    pub fn label(&self) -> String {
        let name = self
            .name
            .as_ref()
            .map(|n| format!(" {n:?}"))
            .unwrap_or_default();
        match (&self.account, &self.role) {
            (Some(account), Some(role)) => format!("account {account}{name} ({role})"),
            (Some(account), None) => {
                format!("account {account}{name} (the credentials you run with)")
            }
            _ => "the current credentials".to_string(),
        }
    }
}

/// The account a role ARN names: `arn:<partition>:iam::<12 digits>:role/<path/name>`.
pub fn role_account(arn: &str) -> Result<String, Error> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let valid = parts.len() == 6
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5]
            .strip_prefix("role/")
            .is_some_and(|name| !name.is_empty() && !name.ends_with('/'));
    if valid {
        return Ok(parts[4].to_string());
    }
    let shown: String = arn.chars().take(120).collect();
    Err(Error::other(
        format!("--assume-role {shown:?} is not an IAM role ARN; nothing was called"),
        "write it as arn:aws:iam::111111111111:role/NAME (the role in the account to work in)",
    ))
}

/// `--external-id` as STS's model takes it (`externalIdType`): 2 to 1,224 characters of
/// letters, digits and `_+=,.@:/-`.
pub fn check_external_id(id: &str) -> Result<(), Error> {
    let length = id.chars().count();
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c);
    if (2..=1224).contains(&length) && id.chars().all(allowed) {
        return Ok(());
    }
    let shown: String = id.chars().take(80).collect();
    Err(Error::other(
        format!("--external-id {shown:?} is not an external id STS takes (2 to 1,224 characters of letters, digits and _+=,.@:/-); nothing was called"),
        "give the external id the roles' trust policies name in their sts:ExternalId condition",
    ))
}

/// The accounts of `roles` (all of them checked before any call, against `partition`, the
/// stack's), or the current credentials alone.
pub fn targets(roles: &[String], partition: &str) -> Result<Vec<Target>, Error> {
    if roles.is_empty() {
        return Ok(vec![Target {
            role: None,
            account: None,
            name: None,
        }]);
    }
    let mut targets: Vec<Target> = Vec::new();
    for role in roles {
        let account = role_account(role)?;
        let of = role.split(':').nth(1).unwrap_or_default();
        if of != partition {
            return Err(Error::other(
                format!("--assume-role {role} is a role of partition {of}, and the stack's region is in {partition}: STS there cannot assume it; nothing was called"),
                format!("name a role of partition {partition} (arn:{partition}:iam::ACCOUNT:role/NAME)"),
            ));
        }
        if let Some(same) = targets
            .iter()
            .find(|t| t.account.as_deref() == Some(&account))
        {
            return Err(Error::other(
                format!(
                    "--assume-role names account {account} twice ({} and {role}); nothing was called",
                    same.role.as_deref().unwrap_or_default()
                ),
                "give one role per account: each account runs once",
            ));
        }
        targets.push(Target {
            role: Some(role.clone()),
            account: Some(account),
            name: None,
        });
    }
    Ok(targets)
}

/// Where one account's output goes: straight to the console (one account), or kept for its
/// block (several), with its notes prefixed by the account as they happen.
pub struct Sink<'a> {
    console: &'a dyn Console,
    prefix: Option<String>,
    kept: Option<Mutex<String>>,
}

impl<'a> Sink<'a> {
    pub fn direct(console: &'a dyn Console) -> Self {
        Sink {
            console,
            prefix: None,
            kept: None,
        }
    }

    fn kept(console: &'a dyn Console, target: &Target) -> Self {
        Sink {
            console,
            prefix: target.account.clone(),
            kept: Some(Mutex::new(String::new())),
        }
    }

    /// What the command prints on stdout.
    pub fn out(&self, text: impl Display) {
        match &self.kept {
            Some(kept) => {
                if let Ok(mut k) = kept.lock() {
                    k.push_str(&text.to_string());
                }
            }
            None => self.console.out(&text.to_string()),
        }
    }

    /// A line for stderr (progress, notes), now.
    pub fn note(&self, text: impl Display) {
        match &self.prefix {
            Some(account) => {
                for line in text.to_string().lines() {
                    self.console.note(&format!("[{account}] {line}"));
                }
            }
            None => self.console.note(&text.to_string()),
        }
    }

    fn take(&self) -> String {
        self.kept
            .as_ref()
            .and_then(|k| k.lock().ok().map(|mut k| std::mem::take(&mut *k)))
            .unwrap_or_default()
    }
}

/// How one account's run ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub exit: Exit,
    /// What it found or did, in a few words ("2 to add, 1 to change", "no drift").
    pub changes: String,
}

impl Outcome {
    pub fn new(exit: Exit, changes: impl Into<String>) -> Self {
        Outcome {
            exit,
            changes: changes.into(),
        }
    }
}

/// One account's result, and (several accounts, `--json`) the JSON it printed.
pub type Ran<T> = (Result<T, Error>, String);

/// What a run over accounts keeps of each, for its summary and the `--summary` file.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    /// The time its bodies took, in seconds.
    pub seconds: f64,
    /// What it printed on stdout (several accounts).
    pub output: String,
    /// Whether it was started at all (`--failure-tolerance` can leave it unstarted).
    pub started: bool,
}

/// The accounts of a run, and what the run keeps of each: its time, its output, and whether
/// it was started; with `--failure-tolerance N`, once N accounts have failed no new one starts.
#[derive(Debug)]
pub struct Accounts {
    pub targets: Vec<Target>,
    records: Mutex<Vec<Tally>>,
    /// `--failure-tolerance`: how many failed accounts stop the run.
    tolerance: Option<usize>,
    failed: AtomicUsize,
    /// The command, and the `--summary` file, for [`finish`].
    pub(crate) command: String,
    pub(crate) summary: Option<summary_file::SummaryFile>,
}

impl Accounts {
    pub fn new(targets: Vec<Target>, tolerance: Option<usize>) -> Self {
        let records = Mutex::new(targets.iter().map(|_| Tally::default()).collect());
        Accounts {
            targets,
            records,
            tolerance,
            failed: AtomicUsize::new(0),
            command: String::new(),
            summary: None,
        }
    }

    pub fn len(&self) -> usize {
        self.targets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// What the run kept of each account, in the targets' order.
    pub fn records(&self) -> Vec<Tally> {
        self.records.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Whether no new account may start: `--failure-tolerance` failed accounts already.
    pub fn stopped(&self) -> bool {
        self.tolerance
            .is_some_and(|limit| self.failed.load(Ordering::SeqCst) >= limit.max(1))
    }

    fn record(&self, i: usize, seconds: f64, output: &str, failed: bool) {
        if failed {
            self.failed.fetch_add(1, Ordering::SeqCst);
        }
        if let Ok(mut r) = self.records.lock() {
            if let Some(r) = r.get_mut(i) {
                r.started = true;
                r.seconds += seconds;
                r.output.push_str(output);
            }
        }
    }
}

impl std::ops::Deref for Accounts {
    type Target = [Target];
    fn deref(&self) -> &[Target] {
        &self.targets
    }
}

/// Run `body` for the accounts `indices` (of `accounts`), at most `parallel` at once;
/// results in the order of `indices`. Unless `several`, the one target runs here, printing
/// as it goes; with `several`, each keeps its output, printed as a block when the account is
/// done, or with `json` returned for one document. An account not started because the
/// failure tolerance was reached gets [`Error::NotStarted`].
pub fn each<T: Send>(
    console: &dyn Console,
    accounts: &Accounts,
    indices: &[usize],
    several: bool,
    parallel: usize,
    json: bool,
    body: impl Fn(usize, &Target, &Sink<'_>) -> Result<T, Error> + Sync,
) -> Vec<Ran<T>> {
    let run_one = |i: usize, sink: &Sink<'_>| -> Option<Result<T, Error>> {
        let target = accounts.targets.get(i)?;
        if accounts.stopped() {
            return Some(Err(Error::NotStarted));
        }
        let start = Instant::now();
        let result = body(i, target, sink);
        let failed = result.is_err();
        accounts.record(i, start.elapsed().as_secs_f64(), "", failed);
        Some(result)
    };
    match (indices, several) {
        ([], _) => return Vec::new(),
        ([one], false) => {
            let result = run_one(*one, &Sink::direct(console)).unwrap_or(Err(Error::Reported));
            return vec![(result, String::new())];
        }
        _ => {}
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Ran<T>>>> = Mutex::new(indices.iter().map(|_| None).collect());
    // Each account's run polls its futures on its worker's stack: as large as the main
    // thread's, which one account's run has (a debug build's futures are large).
    let work = || loop {
        let j = next.fetch_add(1, Ordering::SeqCst);
        let Some(&i) = indices.get(j) else {
            break;
        };
        let Some(target) = accounts.targets.get(i) else {
            break;
        };
        let sink = Sink::kept(console, target);
        let Some(result) = run_one(i, &sink) else {
            break;
        };
        let mut text = sink.take();
        if !matches!(result, Err(Error::NotStarted)) {
            accounts.record(i, 0.0, &text, false);
            if !json {
                print_block(console, target, &text, result.as_ref().err());
                text.clear();
            }
        }
        if let Ok(mut r) = results.lock() {
            r[j] = Some((result, text));
        }
    };
    std::thread::scope(|scope| {
        let mut started = 0;
        for _ in 0..parallel.clamp(1, indices.len()) {
            let spawned = std::thread::Builder::new()
                .stack_size(WORKER_STACK)
                .spawn_scoped(scope, work);
            started += usize::from(spawned.is_ok());
        }
        // No thread could be made: the accounts run here, one after another.
        if started == 0 {
            work();
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.unwrap_or((Err(Error::Reported), String::new())))
        .collect()
}

/// One account's output, whole: a header, what it printed, its error.
fn print_block(console: &dyn Console, target: &Target, text: &str, error: Option<&Error>) {
    let mut block = format!("\n=== {} ===\n{text}", target.label());
    if !block.ends_with('\n') {
        block.push('\n');
    }
    if let Some(e) = error {
        if !matches!(e, Error::Reported) {
            block.push_str(&format!("error: {e}\n"));
        }
    }
    console.out(&block);
}

/// The summary of a run over several accounts, and its exit code (the worst).
pub fn summary(targets: &[Target], rows: &[(Exit, String, String)]) -> (String, Exit) {
    let mut exit = Exit::Success;
    let width = rows
        .iter()
        .map(|(_, changes, _)| changes.chars().count())
        .max()
        .unwrap_or(0)
        .max("changes".len());
    let mut text = format!(
        "\nSummary: {} accounts\n  {:<12}  {:<width$}  result\n",
        targets.len(),
        "account",
        "changes"
    );
    for (target, (code, changes, result)) in targets.iter().zip(rows) {
        exit = exit.worst(*code);
        text.push_str(&format!(
            "  {:<12}  {:<width$}  {result}\n",
            target.account.as_deref().unwrap_or("-"),
            changes
        ));
    }
    (text, exit)
}

/// The first line of an error, for the summary's result column.
pub fn first_line(e: &Error) -> String {
    let text = e.to_string();
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    // "...: " followed by a list: the first item says why.
    let line = match (first.ends_with(':'), lines.next()) {
        (true, Some(next)) => format!("{first} {}", next.trim().trim_start_matches("- ")),
        _ => first.to_string(),
    };
    let short: String = line.chars().take(160).collect();
    if short.len() < line.len() {
        format!("error: {short}...")
    } else {
        format!("error: {short}")
    }
}

/// The exit code of a run: one account's own (its error returned as is, for the caller to
/// print), or over several the summary (on stdout, or on stderr after the `--json` document)
/// and the worst code. The `--summary` file, when asked for, is written first.
pub fn finish(
    console: &dyn Console,
    accounts: &Accounts,
    results: Vec<Ran<Outcome>>,
    json: bool,
) -> Result<Exit, Error> {
    let records = accounts.records();
    let mut rows = Vec::new();
    let mut cases = Vec::new();
    let mut documents = Vec::new();
    for (i, (target, (result, text))) in accounts.iter().zip(&results).enumerate() {
        let record = records.get(i).cloned().unwrap_or_default();
        let (exit, changes, outcome) = match result {
            Ok(o) => (o.exit, o.changes.clone(), "ok".to_string()),
            // Planned (apply, destroy), then left out: the tolerance was reached meanwhile.
            Err(Error::NotStarted) if record.started => (
                Exit::Error,
                "-".to_string(),
                "planned, not applied".to_string(),
            ),
            Err(Error::NotStarted) => (Exit::Error, "-".to_string(), "not started".to_string()),
            Err(e) => (Exit::Error, "-".to_string(), first_line(e)),
        };
        cases.push(summary_file::Case {
            target: target.clone(),
            exit,
            changes: changes.clone(),
            error: match result {
                Err(Error::NotStarted) | Ok(_) => None,
                Err(e) => Some(e.to_string()),
            },
            started: !matches!(result, Err(Error::NotStarted)),
            planned: record.started,
            seconds: record.seconds,
            output: record.output,
        });
        if json && accounts.len() > 1 {
            let mut doc = serde_json::json!({
                "account_id": target.account,
                "role_arn": target.role,
                "exit_code": exit as u8,
            });
            if let Some(name) = &target.name {
                doc["account_name"] = name.clone().into();
            }
            match result {
                Ok(_) => {
                    doc["result"] = serde_json::from_str(text).unwrap_or(serde_json::Value::Null);
                }
                Err(Error::NotStarted) => doc["not_started"] = true.into(),
                Err(e) => doc["error"] = e.to_string().into(),
            }
            documents.push(doc);
        }
        rows.push((exit, changes, outcome));
    }
    if let Some(file) = &accounts.summary {
        file.write(&accounts.command, &cases)?;
    }
    if accounts.len() == 1 {
        let (result, _) = results
            .into_iter()
            .next()
            .unwrap_or((Err(Error::Reported), String::new()));
        return result.map(|o| o.exit);
    }
    let (mut summary, exit) = summary(accounts, &rows);
    if accounts.stopped() {
        let not_started = rows
            .iter()
            .filter(|r| r.2 == "not started" || r.2 == "planned, not applied")
            .count();
        if not_started > 0 {
            let failed = accounts.failed.load(Ordering::SeqCst);
            summary.push_str(&format!(
                "stopped: {failed} account{} failed (--failure-tolerance {}); {not_started} not started\n",
                if failed == 1 { "" } else { "s" },
                accounts.tolerance.unwrap_or_default()
            ));
        }
    }
    if json {
        console.out(&json_text(&serde_json::json!({ "accounts": documents })));
        console.note(summary.trim_start());
    } else {
        console.out(&summary);
    }
    Ok(exit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_name_their_account_and_anything_else_is_refused() {
        assert_eq!(
            role_account("arn:aws:iam::111111111111:role/Provisioner").unwrap(),
            "111111111111"
        );
        assert_eq!(
            role_account("arn:aws-us-gov:iam::222222222222:role/path/to/R").unwrap(),
            "222222222222"
        );
        for bad in [
            "111111111111",
            "arn:aws:iam::11111111111:role/R",
            "arn:aws:iam::111111111111:user/R",
            "arn:aws:sts::111111111111:role/R",
            "arn:aws:iam::111111111111:role/",
            "arn:aws:iam:us-east-1:111111111111:role/R",
        ] {
            let e = role_account(bad).unwrap_err().to_string();
            assert!(e.contains("is not an IAM role ARN"), "{bad}: {e}");
        }
    }

    #[test]
    fn one_role_per_account() {
        let e = targets(
            &[
                "arn:aws:iam::111111111111:role/A".into(),
                "arn:aws:iam::111111111111:role/B".into(),
            ],
            "aws",
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("names account 111111111111 twice"),
            "{e}"
        );
        assert_eq!(targets(&[], "aws").unwrap().len(), 1);
    }

    #[test]
    fn a_role_of_another_partition_and_a_malformed_external_id_are_refused() {
        let e = targets(&["arn:aws-cn:iam::111111111111:role/A".into()], "aws").unwrap_err();
        assert!(e.to_string().contains("partition aws-cn"), "{e}");
        assert!(targets(&["arn:aws-cn:iam::111111111111:role/A".into()], "aws-cn").is_ok());
        for bad in ["x", "has space", "semi;colon", &"a".repeat(1225)] {
            let e = check_external_id(bad).unwrap_err().to_string();
            assert!(e.contains("is not an external id STS takes"), "{bad}: {e}");
        }
        for good in ["ab", "Team-42_x=y,z.w@v:u/t+s", &"a".repeat(1224)] {
            assert!(check_external_id(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn the_worst_exit_code_wins() {
        assert_eq!(Exit::Success.worst(Exit::Changes), Exit::Changes);
        assert_eq!(Exit::Error.worst(Exit::Changes), Exit::Error);
        assert_eq!(Exit::Changes.worst(Exit::Success), Exit::Changes);
        let t = targets(
            &[
                "arn:aws:iam::111111111111:role/A".into(),
                "arn:aws:iam::222222222222:role/A".into(),
            ],
            "aws",
        )
        .unwrap();
        let (text, exit) = summary(
            &t,
            &[
                (Exit::Changes, "2 to add".into(), "planned".into()),
                (Exit::Error, "-".into(), "error: denied".into()),
            ],
        );
        assert_eq!(exit, Exit::Error);
        assert!(text.contains("111111111111  2 to add  planned"), "{text}");
        assert!(
            text.contains("222222222222  -         error: denied"),
            "{text}"
        );
    }
}
