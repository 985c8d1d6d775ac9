//! An AWS Organization instead of a list of roles: the emulator's Organization is built as an
//! administrator would (CreateOrganization, CreateOrganizationalUnit, CreateAccount,
//! MoveAccount, CloseAccount): 19 member accounts in three OUs, one nested, two of them
//! closed. The tool discovers the accounts of one OU at run time, skips the suspended ones
//! and its own, stops at the failure tolerance, and writes JUnit and Markdown summaries.

use crate::stack::*;
use bedrock_aws::{AssumeRole, Clients};

const SPEC: &str = r#"
[stack]
name = "fleet"
region = "us-east-1"

[[profiles]]
name = "LibreChat-Nova-Pro"
model = "us.amazon.nova-pro-v1:0"
env = "BEDROCK_NOVA_PRO_PROFILE"
"#;

/// One account of the Organization as the test built it.
#[derive(Debug, Clone)]
struct Member {
    id: String,
    name: String,
}

struct Org {
    workloads: String,
    sandbox: String,
    /// Under Workloads, at any depth, in the order Organizations lists them.
    workload_accounts: Vec<Member>,
    closed: Vec<Member>,
    sandbox_accounts: Vec<Member>,
}

fn create_account(c: &Clients, name: &str) -> Member {
    let rt = rt();
    let out = rt
        .block_on(
            c.organizations
                .create_account()
                .account_name(name)
                .email(format!("{name}@example.com"))
                .send(),
        )
        .unwrap();
    let id = out
        .create_account_status()
        .and_then(|s| s.account_id())
        .unwrap()
        .to_string();
    Member {
        id,
        name: name.to_string(),
    }
}

fn unit(c: &Clients, parent: &str, name: &str) -> String {
    rt().block_on(
        c.organizations
            .create_organizational_unit()
            .parent_id(parent)
            .name(name)
            .send(),
    )
    .unwrap()
    .organizational_unit()
    .and_then(|u| u.id())
    .unwrap()
    .to_string()
}

fn move_to(c: &Clients, account: &Member, from: &str, to: &str) {
    rt().block_on(
        c.organizations
            .move_account()
            .account_id(&account.id)
            .source_parent_id(from)
            .destination_parent_id(to)
            .send(),
    )
    .unwrap();
}

/// Root: shared-1..4; Workloads: wl-1..3, and Prod (nested): prod-1..5, prod-5 closed;
/// Sandbox: sandbox-1..7, sandbox-7 closed.
fn build() -> Org {
    let c = clients("us-east-1");
    let rt = rt();
    rt.block_on(c.organizations.create_organization().send())
        .unwrap();
    let root = rt
        .block_on(c.organizations.list_roots().send())
        .unwrap()
        .roots()[0]
        .id()
        .unwrap()
        .to_string();
    let workloads = unit(&c, &root, "Workloads");
    let prod = unit(&c, &workloads, "Prod");
    let sandbox = unit(&c, &root, "Sandbox");
    // n accounts named prefix-1..n, moved from the root to `parent`, the last one closed.
    let members = |prefix: &str, n: usize, parent: Option<&str>| -> (Vec<Member>, Member) {
        let mut made: Vec<Member> = (1..=n)
            .map(|i| {
                let a = create_account(&c, &format!("{prefix}-{i}"));
                if let Some(parent) = parent {
                    move_to(&c, &a, &root, parent);
                }
                a
            })
            .collect();
        let last = made.pop().unwrap();
        (made, last)
    };
    let (_, _) = members("shared", 4, None);
    let (mut workload_accounts, wl_3) = members("wl", 3, Some(&workloads));
    workload_accounts.push(wl_3);
    let (prod_accounts, prod_5) = members("prod", 5, Some(&prod));
    workload_accounts.extend(prod_accounts);
    let (sandbox_accounts, sandbox_7) = members("sandbox", 7, Some(&sandbox));
    let closed = vec![prod_5, sandbox_7];
    for a in &closed {
        rt.block_on(c.organizations.close_account().account_id(&a.id).send())
            .unwrap();
    }
    Org {
        workloads,
        sandbox,
        workload_accounts,
        closed,
        sandbox_accounts,
    }
}

/// A session of OrganizationAccountAccessRole in `account`, assumed by the management account.
fn member_session(account: &str, name: &str) -> bedrock_aws::Endpoint {
    rt().block_on(bedrock_aws::assume_role(
        &endpoint(),
        "us-east-1",
        &AssumeRole {
            role_arn: format!("arn:aws:iam::{account}:role/OrganizationAccountAccessRole"),
            external_id: None,
            session_name: name.into(),
        },
    ))
    .unwrap()
}

/// Give the Sandbox accounts but the first two a role `BedrockDeployer` the management
/// account may assume (through each account's OrganizationAccountAccessRole).
fn deployer_roles(org: &Org) {
    let rt = rt();
    for a in &org.sandbox_accounts[2..] {
        let session = member_session(&a.id, "test");
        let c = rt.block_on(Clients::connect(&session, "us-east-1"));
        let trust = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"sts:AssumeRole"}}]}}"#
        );
        rt.block_on(
            c.iam
                .create_role()
                .role_name("BedrockDeployer")
                .assume_role_policy_document(trust)
                .send(),
        )
        .unwrap();
        rt.block_on(
            c.iam
                .attach_role_policy()
                .role_name("BedrockDeployer")
                .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
                .send(),
        )
        .unwrap();
    }
}

/// A summary row's account ids, in order: "  <id>  <changes>  <result>".
fn summary_rows(stdout: &str) -> Vec<String> {
    stdout
        .split("\nSummary: ")
        .nth(1)
        .unwrap_or_else(|| panic!("no summary in\n{stdout}"))
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with("  "))
        .map(str::to_string)
        .collect()
}

/// Parse a JUnit file with Python's XML parser (the emulator's interpreter): its test
/// cases' names and outcomes, and the suite's counts.
fn junit(path: &std::path::Path) -> serde_json::Value {
    let python = crate::common::root().join("target/emulator/venv/bin/python");
    let script = r#"
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suite = root.find("testsuite")
cases = []
for c in suite.findall("testcase"):
    outcome = "passed"
    for tag in ("failure", "error", "skipped"):
        if c.find(tag) is not None:
            outcome = tag
    cases.append({"name": c.get("name"), "outcome": outcome, "time": float(c.get("time"))})
print(json.dumps({"tests": int(root.get("tests")), "failures": int(root.get("failures")),
                  "errors": int(root.get("errors")), "skipped": int(root.get("skipped")),
                  "cases": cases}))
"#;
    let out = std::process::Command::new(python)
        .args(["-c", script])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_rollout_to_one_ou_discovers_its_accounts_stops_at_the_tolerance_and_writes_summaries() {
    let _turn = turn();
    let org = build();
    let dir = project(Some(SPEC));
    let path = dir.path();

    // Discovery by OU, nested OUs included: a plan in each active account, with a JUnit case
    // each (failed: it has changes).
    let r = run(
        path,
        &[
            "plan",
            "--detailed-exitcode",
            "--organization-unit",
            &org.workloads,
            // Named twice: read once.
            "--organization-unit",
            &org.workloads,
            "--parallel",
            "8",
            "--summary",
            "plan.xml",
        ],
    );
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    let rows = summary_rows(&r.stdout);
    let mut ran: Vec<String> = rows.iter().map(|r| r.trim()[..12].to_string()).collect();
    let mut expected: Vec<String> = org.workload_accounts.iter().map(|a| a.id.clone()).collect();
    ran.sort();
    expected.sort();
    assert_eq!(ran, expected, "{}", r.stdout);
    assert!(r.stdout.contains("Summary: 7 accounts"), "{}", r.stdout);
    let prod5 = &org.closed[0];
    assert!(
        r.stderr.contains(&format!(
            "skipped account {} \"prod-5\": SUSPENDED (only ACTIVE accounts are run in)",
            prod5.id
        )),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(&format!(
            "organization: 7 accounts to run in, from {} (1 skipped;",
            org.workloads
        )),
        "{}",
        r.stderr
    );
    for a in &org.workload_accounts {
        assert!(
            r.stdout.contains(&format!(
                "=== account {} {:?} (arn:aws:iam::{}:role/OrganizationAccountAccessRole) ===",
                a.id, a.name, a.id
            )),
            "{}",
            r.stdout
        );
    }
    let report = junit(&path.join("plan.xml"));
    assert_eq!(report["tests"], 7, "{report}");
    assert_eq!(report["failures"], 7, "{report}");
    assert_eq!(report["errors"], 0, "{report}");
    for case in report["cases"].as_array().unwrap() {
        assert_eq!(case["outcome"], "failure", "{report}");
        let name = case["name"].as_str().unwrap();
        assert!(
            org.workload_accounts
                .iter()
                .any(|a| name == format!("{} {}", a.id, a.name)),
            "{name}"
        );
    }

    // Rolled out to the OU, a drift run passes every case; the rest of the organization
    // was not touched.
    let applied = run(
        path,
        &[
            "apply",
            "--yes",
            "--organization-unit",
            &org.workloads,
            "--parallel",
            "8",
        ],
    );
    assert_eq!(applied.code, 0, "{}\n{}", applied.stdout, applied.stderr);
    let drift = run(
        path,
        &[
            "drift",
            "--organization-unit",
            &org.workloads,
            "--parallel",
            "8",
            "--summary",
            "drift.xml",
        ],
    );
    assert_eq!(drift.code, 0, "{}\n{}", drift.stdout, drift.stderr);
    let report = junit(&path.join("drift.xml"));
    assert_eq!(
        (
            report["tests"].as_u64(),
            report["failures"].as_u64(),
            report["errors"].as_u64()
        ),
        (Some(7), Some(0), Some(0)),
        "{report}"
    );
    for a in &org.workload_accounts {
        assert!(
            path.join(&a.id).join(".env").is_file(),
            "{} has no .env",
            a.id
        );
    }
    for a in &org.sandbox_accounts {
        assert!(!path.join(&a.id).exists(), "{} was worked in", a.id);
    }

    // The failure tolerance: the first two Sandbox accounts lack the role; with a
    // tolerance of 2 and one account at a time, the other four are not started.
    deployer_roles(&org);
    let stopped = run(
        path,
        &[
            "plan",
            "--organization-unit",
            &org.sandbox,
            "--role-name",
            "BedrockDeployer",
            "--parallel",
            "1",
            "--failure-tolerance",
            "2",
            "--summary",
            "sandbox.md",
        ],
    );
    assert_eq!(stopped.code, 1, "{}\n{}", stopped.stdout, stopped.stderr);
    let rows = summary_rows(&stopped.stdout);
    assert_eq!(rows.len(), 6, "{}", stopped.stdout);
    for (row, a) in rows.iter().zip(&org.sandbox_accounts) {
        assert!(row.contains(&a.id), "{row}");
    }
    for row in &rows[..2] {
        assert!(row.contains("error: account"), "{row}");
        assert!(row.contains("cannot assume role"), "{row}");
    }
    for row in &rows[2..] {
        assert!(row.ends_with("not started"), "{row}");
    }
    assert!(
        stopped
            .stdout
            .contains("stopped: 2 accounts failed (--failure-tolerance 2); 4 not started"),
        "{}",
        stopped.stdout
    );
    let md = std::fs::read_to_string(path.join("sandbox.md")).unwrap();
    assert!(
        md.contains("0 ran (0 with exit code 2: changes or drift), 2 failed, 4 not started"),
        "{md}"
    );
    assert!(
        md.contains(&format!(
            "| {} | sandbox-3 | - | not started |",
            org.sandbox_accounts[2].id
        )),
        "{md}"
    );

    // Without a tolerance, the same run goes through every account.
    let all = run(
        path,
        &[
            "plan",
            "--organization-unit",
            &org.sandbox,
            "--role-name",
            "BedrockDeployer",
            "--parallel",
            "3",
        ],
    );
    assert_eq!(all.code, 1, "{}\n{}", all.stdout, all.stderr);
    let rows = summary_rows(&all.stdout);
    assert_eq!(
        rows.iter()
            .filter(|r| r.contains("1 to add") || r.contains("to add"))
            .count(),
        4,
        "{}",
        all.stdout
    );
}

#[test]
fn only_the_management_account_or_a_delegated_administrator_may_discover() {
    let _turn = turn();
    let dir = project(Some(SPEC));
    // No organization yet: Organizations' own answer, and what to run with.
    let none = run(dir.path(), &["plan", "--organization"]);
    assert_eq!(none.code, 1, "{}\n{}", none.stdout, none.stderr);
    assert!(
        none.stderr.contains("AWSOrganizationsNotInUseException: account 123456789012 (the credentials you run with) is not in an AWS Organization")
            && none.stderr.contains("help: run with credentials of the organization's management account"),
        "{}",
        none.stderr
    );
    let org = build();
    // An OU the organization does not have.
    let unknown = run(
        dir.path(),
        &["plan", "--organization-unit", "ou-zzzz-zzzzzzzz"],
    );
    assert_eq!(unknown.code, 1, "{}\n{}", unknown.stdout, unknown.stderr);
    assert!(
        unknown
            .stderr
            .contains("We can't find a root or OU with the ParentId that you specified.")
            && unknown.stderr.contains("help: check the OU's id"),
        "{}",
        unknown.stderr
    );
    let rt = rt();
    let member = &org.sandbox_accounts[0];
    let session = member_session(&member.id, "member");
    let creds = session.credentials.clone().unwrap();
    let as_member = |args: &[&str]| {
        let mut argv = args.to_vec();
        let url = emulator().instance.endpoint();
        argv.extend(["--endpoint-url", url.as_str()]);
        crate::common::xtask_env(
            dir.path(),
            &argv,
            &[
                ("AWS_ACCESS_KEY_ID", creds.access_key_id.as_str()),
                ("AWS_SECRET_ACCESS_KEY", creds.secret_access_key.as_str()),
                ("AWS_SESSION_TOKEN", creds.session_token.as_deref().unwrap()),
            ],
        )
    };
    let refused = as_member(&["plan", "--organization"]);
    assert_eq!(refused.code, 1, "{}\n{}", refused.stdout, refused.stderr);
    assert!(
        refused.stderr.contains(&format!(
            "account {} (the credentials you run with) may not list the organization's accounts",
            member.id
        )),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("AccessDeniedException"),
        "{}",
        refused.stderr
    );

    // Registered as a delegated administrator, the same account sees the organization. It
    // skips its own account (unless asked) and, as StackSets does, the management account.
    let c = clients("us-east-1");
    rt.block_on(
        c.organizations
            .register_delegated_administrator()
            .account_id(&member.id)
            .service_principal("member.org.stacksets.cloudformation.amazonaws.com")
            .send(),
    )
    .unwrap();
    let listed = as_member(&["plan", "--organization", "--parallel", "16"]);
    assert!(
        listed.stderr.contains(&format!(
            "skipped account {} {:?}: the credentials' own account",
            member.id, member.name
        )),
        "{}",
        listed.stderr
    );
    assert!(
        listed.stderr.contains(&format!(
            "skipped account {ACCOUNT} \"master\": the organization's management account"
        )),
        "{}",
        listed.stderr
    );
    assert!(
        listed.stderr.contains(&format!(
            "note: account {} is not the organization's management account ({ACCOUNT}), and OrganizationAccountAccessRole trusts only that one: give a role of your own that trusts these credentials with --role-name",
            member.id
        )),
        "{}",
        listed.stderr
    );
    // 20 accounts: the management account, 19 members (2 closed), the caller. Each
    // member's OrganizationAccountAccessRole trusts the management account alone, so the
    // delegated administrator needs a role of its own there (--role-name).
    assert_eq!(listed.code, 1, "{}\n{}", listed.stdout, listed.stderr);
    assert!(
        listed.stdout.contains("cannot assume role"),
        "{}",
        listed.stdout
    );
    assert!(
        listed
            .stderr
            .contains("organization: 16 accounts to run in, from the organization (4 skipped;"),
        "{}",
        listed.stderr
    );
}

#[test]
fn organization_flags_are_checked_before_any_call() {
    let dir = project(Some(SPEC));
    for (args, expected) in [
        (
            vec!["plan", "--organization-unit", "ou-x"],
            "--organization-unit \"ou-x\" is not an OU id; nothing was called",
        ),
        (
            vec!["plan", "--organization", "--role-name", "a/b"],
            "--role-name \"a/b\" is not an IAM role name",
        ),
        (
            vec!["plan", "--organization", "--summary", "out.txt"],
            "--summary out.txt: cannot tell its format from its name; nothing was called",
        ),
        (
            vec![
                "plan",
                "--organization",
                "--assume-role",
                "arn:aws:iam::111111111111:role/R",
            ],
            "cannot be used with",
        ),
        (vec!["plan", "--role-name", "R"], "--organization"),
        (vec!["plan", "--failure-tolerance", "2"], "required"),
        (
            vec!["plan", "--organization", "--failure-tolerance", "0"],
            "give the number of failed accounts (1 or more)",
        ),
        (
            vec!["init", "--organization-unit", "ou-x"],
            "--organization-unit \"ou-x\" is not an OU id; nothing was written",
        ),
        (
            vec!["init", "--role-name", "Reader"],
            "neither --organization nor --organization-unit was given; nothing was written",
        ),
    ] {
        let r = crate::common::xtask_env(
            dir.path(),
            &args,
            &[("AWS_ENDPOINT_URL", "http://127.0.0.1:9")],
        );
        assert_eq!(r.code, 1, "{args:?}: {}\n{}", r.stdout, r.stderr);
        assert!(r.stderr.contains(expected), "{args:?}: {}", r.stderr);
    }
    assert!(
        !dir.path().join(".github").exists(),
        "init wrote a workflow"
    );

    // The organization form, written: the accounts are found when the workflow runs.
    let init = crate::common::xtask_in(
        dir.path(),
        &[
            "init",
            "--organization",
            "--role-name",
            "BedrockDriftReader",
        ],
    );
    assert_eq!(init.code, 0, "{}\n{}", init.stdout, init.stderr);
    let flow =
        std::fs::read_to_string(dir.path().join(".github/workflows/bedrock-drift.yml")).unwrap();
    assert!(
        flow.contains("drift --skip-local-files --organization --role-name BedrockDriftReader --parallel 8 --summary drift-summary.md"),
        "{flow}"
    );
}
