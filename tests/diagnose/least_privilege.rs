//! LibreChat's least-privilege policy: its role can call exactly the stack's profiles.

use super::*;

#[test]
fn librechat_s_role_gets_exactly_the_stack_s_profiles() {
    let _turn = turn();
    let spec = guide_spec().replace(
        "[librechat]\n",
        "[librechat]\nruntime_role = \"LibreChat\"\n",
    );
    let dir = project(Some(&spec));
    let r = run(dir.path(), &["apply", "--yes"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("[librechat] runtime_role LibreChat does not exist"),
        "{}",
        r.stderr
    );

    let c = clients("us-east-1");
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#;
    rt().block_on(
        c.iam
            .create_role()
            .role_name("LibreChat")
            .assume_role_policy_document(trust)
            .send(),
    )
    .unwrap();
    let r = run(dir.path(), &["apply", "--yes"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("LibreChat role LibreChat already exists and is not managed by this stack"),
        "{}",
        r.stderr
    );
    let r = run(dir.path(), &["apply", "--yes", "--adopt"]);
    assert_eq!(r.code, 0, "{}", r.stderr);

    let policy = |c: &bedrock_aws::Clients| -> serde_json::Value {
        let out = rt()
            .block_on(
                c.iam
                    .get_role_policy()
                    .role_name("LibreChat")
                    .policy_name("LibreChatBedrockInvoke-us-east-1")
                    .send(),
            )
            .unwrap();
        bedrock_aws::decode_policy(out.policy_document())
    };
    let doc = policy(&c);
    let strings = |v: &serde_json::Value| -> Vec<String> {
        let mut out: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        out.sort();
        out
    };
    let env = env_values(dir.path());
    // What LibreChat calls: the stack's three profiles and Nova Pro's system-defined one,
    // which [librechat] models lists by id.
    let profiles = strings(&doc["Statement"][0]["Resource"]);
    let mut expected: Vec<String> = [
        "BEDROCK_CLAUDE_37_PROFILE",
        "BEDROCK_SONNET_45_PROFILE",
        "BEDROCK_OPUS_45_PROFILE",
    ]
    .iter()
    .map(|var| env[*var].clone())
    .collect();
    expected.push(format!(
        "arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.amazon.nova-pro-v1:0"
    ));
    expected.sort();
    assert_eq!(profiles, expected);
    // The foundation models only through those profiles; the global profile's include the
    // Region-less ARN, as AWS's global cross-Region inference needs.
    let models = strings(&doc["Statement"][1]["Resource"]);
    assert_eq!(
        doc["Statement"][1]["Condition"]["StringEquals"]["bedrock:InferenceProfileArn"],
        doc["Statement"][0]["Resource"]
    );
    assert!(
        models.contains(
            &"arn:aws:bedrock:::foundation-model/anthropic.claude-opus-4-5-20251101-v1:0"
                .to_string()
        ) && models.contains(
            &"arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-pro-v1:0".to_string()
        ) && models.iter().all(|m| m.contains("::foundation-model/")),
        "{models:?}"
    );
    assert_eq!(doc["Statement"].as_array().unwrap().len(), 2, "{doc}");
    assert!(!doc.to_string().contains('*'));
    assert_eq!(
        doc["Statement"][0]["Action"],
        serde_json::json!([
            "bedrock:InvokeModel",
            "bedrock:InvokeModelWithResponseStream"
        ])
    );

    // LibreChat, signed in as its role, calls every listed model through the route it takes;
    // the emulator evaluates the role's policy as IAM does.
    let librechat = as_librechat(&c);
    for model in expected
        .iter()
        .chain([&"us.amazon.nova-pro-v1:0".to_string()])
    {
        converse(&librechat, model);
        converse_stream(&librechat, model);
    }
    // The evaluation is IAM's: without the Region-less ARN, the global profile is denied.
    let global = "arn:aws:bedrock:::foundation-model/anthropic.claude-opus-4-5-20251101-v1:0";
    let mut narrowed = doc.clone();
    narrowed["Statement"][1]["Resource"] = serde_json::Value::Array(
        models
            .iter()
            .filter(|m| *m != global)
            .map(|m| serde_json::json!(m))
            .collect(),
    );
    let put = |document: &serde_json::Value| {
        rt().block_on(
            c.iam
                .put_role_policy()
                .role_name("LibreChat")
                .policy_name("LibreChatBedrockInvoke-us-east-1")
                .policy_document(document.to_string())
                .send(),
        )
        .unwrap()
    };
    put(&narrowed);
    let err = rt()
        .block_on(
            librechat
                .converse()
                .model_id(&env["BEDROCK_OPUS_45_PROFILE"])
                .messages(message())
                .send(),
        )
        .expect_err("denied without the Region-less ARN");
    assert!(
        format!("{err:?}").contains(&format!(
            "not authorized to perform: bedrock:InvokeModel on resource: {global}"
        )),
        "{err:?}"
    );
    put(&doc);
    // Nothing else: not a model's system-defined profile behind the stack's own, not a
    // foundation model directly.
    for model in [
        "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
        "amazon.nova-pro-v1:0",
        "us.amazon.nova-lite-v1:0",
    ] {
        let err = rt()
            .block_on(
                librechat
                    .converse()
                    .model_id(model)
                    .messages(message())
                    .send(),
            )
            .expect_err(model);
        assert_eq!(
            err.as_service_error().and_then(|e| e.meta().code()),
            Some("AccessDeniedException"),
            "{model}: {err:?}"
        );
    }
    let rendered =
        std::fs::read_to_string(dir.path().join("policies/librechat-invoke.rendered.json"))
            .unwrap();
    assert!(rendered.contains(&env["BEDROCK_CLAUDE_37_PROFILE"]));
    assert_eq!(
        writes(&apply(dir.path())),
        0,
        "a second apply leaves the policy alone"
    );
    assert_eq!(doctor(dir.path()).code, 0);

    // A replaced profile: the policy follows its new ARN in the same apply.
    let spec = std::fs::read_to_string(dir.path().join("bedrock.toml"))
        .unwrap()
        .replace(
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        );
    std::fs::write(dir.path().join("bedrock.toml"), spec).unwrap();
    apply(dir.path());
    let new_arn = env_values(dir.path())["BEDROCK_SONNET_45_PROFILE"].clone();
    assert_ne!(new_arn, env["BEDROCK_SONNET_45_PROFILE"]);
    let text = policy(&c).to_string();
    assert!(
        text.contains(&new_arn) && !text.contains(&env["BEDROCK_SONNET_45_PROFILE"]),
        "{text}"
    );
    assert!(text.contains("claude-haiku-4-5"), "{text}");
    assert_eq!(run(dir.path(), &["drift"]).code, 0);

    // Destroy removes the policy, never LibreChat's role.
    let r = run(dir.path(), &["destroy", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(rt()
        .block_on(c.iam.get_role().role_name("LibreChat").send())
        .is_ok());
    assert!(rt()
        .block_on(
            c.iam
                .get_role_policy()
                .role_name("LibreChat")
                .policy_name("LibreChatBedrockInvoke-us-east-1")
                .send()
        )
        .is_err());
}
