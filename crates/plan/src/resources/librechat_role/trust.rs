//! The trust policy of LibreChat's role: one statement per place LibreChat runs, each in the
//! form AWS documents for it.

use serde_json::{json, Value};

/// The role's trust policy: one statement per place LibreChat runs.
pub fn trust(
    role: &bedrock_spec::LibreChatRole,
    partition: &str,
    region: &str,
    account: &str,
) -> Value {
    let mut statements = Vec::new();
    if role.ecs {
        statements.push(json!({
            "Sid": "EcsTasks",
            "Effect": "Allow",
            "Principal": { "Service": "ecs-tasks.amazonaws.com" },
            "Action": "sts:AssumeRole",
            "Condition": {
                "ArnLike": { "aws:SourceArn": format!("arn:{partition}:ecs:{region}:{account}:*") },
                "StringEquals": { "aws:SourceAccount": account }
            }
        }));
    }
    if role.eks_pod_identity {
        statements.push(json!({
            "Sid": "EksPodIdentity",
            "Effect": "Allow",
            "Principal": { "Service": "pods.eks.amazonaws.com" },
            "Action": ["sts:AssumeRole", "sts:TagSession"]
        }));
    }
    if let Some(irsa) = &role.irsa {
        let issuer = irsa
            .oidc_provider_arn
            .split_once(":oidc-provider/")
            .map_or("", |(_, host)| host);
        statements.push(json!({
            "Sid": "EksServiceAccount",
            "Effect": "Allow",
            "Principal": { "Federated": irsa.oidc_provider_arn },
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    format!("{issuer}:sub"): format!("system:serviceaccount:{}:{}", irsa.namespace, irsa.service_account),
                    format!("{issuer}:aud"): "sts.amazonaws.com"
                }
            }
        }));
    }
    if role.ec2 {
        statements.push(json!({
            "Sid": "Ec2Instances",
            "Effect": "Allow",
            "Principal": { "Service": "ec2.amazonaws.com" },
            "Action": "sts:AssumeRole"
        }));
    }
    if !role.principals.is_empty() {
        // IAM stores an account id as its root ARN: written so, the read-back compares equal.
        let principals: Vec<String> = role
            .principals
            .iter()
            .map(|p| {
                if p.starts_with("arn:") {
                    p.clone()
                } else {
                    format!("arn:{partition}:iam::{p}:root")
                }
            })
            .collect();
        let mut statement = json!({
            "Sid": "Principals",
            "Effect": "Allow",
            "Principal": { "AWS": principals },
            "Action": "sts:AssumeRole"
        });
        if let Some(id) = &role.external_id {
            statement["Condition"] = json!({ "StringEquals": { "sts:ExternalId": id } });
        }
        statements.push(statement);
    }
    json!({ "Version": "2012-10-17", "Statement": statements })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role() -> bedrock_spec::LibreChatRole {
        bedrock_spec::LibreChatRole {
            name: "LibreChat".into(),
            ..Default::default()
        }
    }

    #[test]
    fn each_place_librechat_runs_is_one_statement_in_aws_s_documented_form() {
        let mut r = role();
        r.ecs = true;
        r.eks_pod_identity = true;
        r.ec2 = true;
        r.irsa = Some(bedrock_spec::Irsa {
            oidc_provider_arn:
                "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"
                    .into(),
            namespace: "chat".into(),
            service_account: "librechat".into(),
        });
        r.principals = vec![
            "444455556666".into(),
            "arn:aws:iam::111122223333:role/ci".into(),
        ];
        r.external_id = Some("lc-ext".into());
        let t = trust(&r, "aws", "us-east-1", "111122223333");
        let s = t["Statement"].as_array().unwrap();
        assert_eq!(s.len(), 5);
        assert_eq!(
            s[0]["Condition"]["ArnLike"]["aws:SourceArn"],
            "arn:aws:ecs:us-east-1:111122223333:*"
        );
        assert_eq!(
            s[0]["Condition"]["StringEquals"]["aws:SourceAccount"],
            "111122223333"
        );
        assert_eq!(s[1]["Action"], json!(["sts:AssumeRole", "sts:TagSession"]));
        let issuer = "oidc.eks.us-east-1.amazonaws.com/id/ABC";
        assert_eq!(
            s[2]["Condition"]["StringEquals"][format!("{issuer}:sub")],
            "system:serviceaccount:chat:librechat"
        );
        assert_eq!(
            s[2]["Condition"]["StringEquals"][format!("{issuer}:aud")],
            "sts.amazonaws.com"
        );
        assert_eq!(s[3]["Principal"]["Service"], "ec2.amazonaws.com");
        assert_eq!(
            s[4]["Principal"]["AWS"],
            json!([
                "arn:aws:iam::444455556666:root",
                "arn:aws:iam::111122223333:role/ci"
            ])
        );
        assert_eq!(
            s[4]["Condition"]["StringEquals"]["sts:ExternalId"],
            "lc-ext"
        );
    }
}
