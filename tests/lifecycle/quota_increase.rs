// Quota increases: the account's quotas, asked of AWS; a request stays open until AWS (here,
// the emulator's control) decides, and is never asked again while it is open; destroy and
// a removed entry leave the account's quotas and requests as they are.

pub static ENTRY: Entry = Entry {
    kind: "quota_increase",
    spec: r#"
[stack]
name = "lc-quota"
region = "us-east-1"

[logging]
managed = false

[[profiles]]
name = "lc-quota-profile"
model = "us.anthropic.claude-sonnet-4-20250514-v1:0"
env = "BEDROCK_LC_QUOTA"

<<entry>>
"#,
    defaults: &[(
        "entry",
        "[[quotas.increase]]\nprofile = \"lc-quota-profile\"\ntokens_per_minute = <<tokens>>\n",
    )],
    fields: &[Field {
        marker: "tokens",
        a: "400000",
        b: "600000",
        change: None,
    }],
    name: "tokens/min of lc-quota-profile",
    setup: nothing,
    live: |cx| {
        open_requests(cx)
            .into_iter()
            .map(|(id, code, value)| format!("request {id} for {code}: {value}"))
            .collect()
    },
    count: 1,
    // AWS opens a support case for the request and closes it without an increase: the next
    // apply asks again.
    delete: Some(|cx| {
        for (id, _, _) in open_requests(cx) {
            let control = cx.control();
            control.decide_quota_request(&id, "CASE_OPENED").unwrap();
            control.decide_quota_request(&id, "CASE_CLOSED").unwrap();
        }
    }),
    destroy: &["destroy", "--yes"],
    destroy_leaves: 1,
    removed: &[("entry", "")],
    removed_leaves: 1,
    adopt: Adopt::NotApplicable(
        "a quota and its requests are the account's, not resources of a stack",
    ),
    untag: None,
    retag: None,
    untaggable: Some("quotas and quota requests have no tags"),
};

/// The account's open requests for Bedrock's quotas: id, quota code, value asked.
fn open_requests(cx: &Ctx) -> Vec<(String, String, f64)> {
    crate::quotas::open_requests(&cx.c)
}
