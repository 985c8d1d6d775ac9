//! AWS's request-rate quotas: with the emulator enforcing them, a client that ignores them is
//! refused, and a plan of 64 profiles across ten accounts completes with no throttling error
//! reaching the user.

use super::member_role;
use crate::stack::*;
use aws_sdk_bedrock::error::ProvideErrorMetadata;

/// Every model id a profile can copy from in us-east-1: the system-defined profiles, then the
/// foundation models, as the emulator lists them.
fn model_ids() -> Vec<String> {
    let c = clients("us-east-1");
    let rt = rt();
    let profiles = rt
        .block_on(
            c.bedrock
                .list_inference_profiles()
                .type_equals(aws_sdk_bedrock::types::InferenceProfileType::SystemDefined)
                .max_results(1000)
                .send(),
        )
        .unwrap();
    let models = rt
        .block_on(c.bedrock.list_foundation_models().send())
        .unwrap();
    profiles
        .inference_profile_summaries()
        .iter()
        .map(|p| p.inference_profile_id().to_string())
        .chain(
            models
                .model_summaries()
                .iter()
                .map(|m| m.model_id().to_string()),
        )
        .collect()
}

/// A Bedrock client that knows nothing of the rates, and does not retry.
fn unpaced(rt: &tokio::runtime::Runtime) -> aws_sdk_bedrock::Client {
    let config = rt.block_on(bedrock_aws::sdk_config(&endpoint(), "us-east-1"));
    aws_sdk_bedrock::Client::from_conf(
        aws_sdk_bedrock::config::Builder::from(&config)
            .retry_config(aws_sdk_bedrock::config::retry::RetryConfig::disabled())
            .build(),
    )
}

#[test]
fn a_plan_of_64_profiles_across_ten_accounts_stays_within_aws_rates() {
    let _turn = turn();
    let control = emulator().instance.control();
    let models = model_ids();
    assert!(
        models.len() >= 64,
        "the emulator offers {} models",
        models.len()
    );
    let table = bedrock_aws::RateTable::parse(bedrock_aws::RATES).unwrap();
    let availability = table
        .rate("bedrock", "GetFoundationModelAvailability")
        .unwrap();
    control.enforce_rates(true).unwrap();

    // A burst beyond the quota, all at once and never retried: AWS refuses the excess.
    let runtime = rt();
    let client = unpaced(&runtime);
    let burst = availability.burst as usize + 20;
    let answers = runtime.block_on(async {
        let calls = (0..burst).map(|_| {
            client
                .get_foundation_model_availability()
                .model_id("anthropic.claude-sonnet-4-5-20250929-v1:0")
                .send()
        });
        futures_join_all(calls).await
    });
    let refused: Vec<String> = answers
        .iter()
        .filter_map(|a| a.as_ref().err())
        .map(|e| e.code().unwrap_or("?").to_string())
        .collect();
    assert!(
        !refused.is_empty(),
        "{burst} calls at once were all admitted"
    );
    assert!(
        refused.iter().all(|c| c == "ThrottlingException"),
        "{refused:?}"
    );

    // Sixty-four profiles, each its own model, planned in ten accounts at once (setting the
    // mode again starts the buckets and the counts afresh).
    control.enforce_rates(true).unwrap();
    let mut spec = "[stack]\nname = \"paced\"\nregion = \"us-east-1\"\n".to_string();
    for (i, m) in models.iter().take(64).enumerate() {
        spec.push_str(&format!(
            "[[profiles]]\nname = \"P{i}\"\nmodel = \"{m}\"\nenv = \"P{i}\"\n"
        ));
    }
    let dir = project(Some(&spec));
    let accounts: Vec<String> = (1..=10)
        .map(|i| format!("{:012}", 100_000_000_000u64 + i))
        .collect();
    let roles: Vec<String> = accounts.iter().map(|a| member_role(a)).collect();
    let mut args = vec!["plan", "--parallel", "10"];
    for r in &roles {
        args.extend(["--assume-role", r.as_str()]);
    }
    let r = run(dir.path(), &args);
    let rates = control.rates().unwrap();
    assert_eq!(r.code, 0, "{}\n{}\n{rates}", r.stdout, r.stderr);
    let all = format!("{}{}", r.stdout, r.stderr);
    for word in ["Throttl", "Too many requests", "Rate exceeded"] {
        assert!(!all.contains(word), "{word} reached the user:\n{all}");
    }
    assert!(all.contains("Summary: 10 accounts"), "{all}");
    for a in &accounts {
        assert!(all.contains(&format!("  {a}  ")), "{a} missing:\n{all}");
    }
    // The quotas were in force all along: every account's reads were metered.
    assert_eq!(rates["enforce"], true);
    let (admitted, refused) = (
        rates["admitted"].as_u64().unwrap(),
        rates["refused"].as_u64().unwrap(),
    );
    assert!(admitted >= 10 * 20, "{rates}");
    // Paced at AWS's rates, hardly a request is refused: the odd one that reaches the
    // emulator bunched up with others is retried.
    assert!(refused * 20 <= admitted, "{rates}");
}

/// Every future at once, in order (what `futures::future::join_all` does).
async fn futures_join_all<F: std::future::Future + Send + 'static>(
    calls: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = calls.map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}
