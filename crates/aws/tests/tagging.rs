//! Tags read in bulk: the Resource Groups Tagging API's GetResources, as the emulator answers
//! it for application inference profiles, log groups and buckets (botocore model
//! resourcegroupstaggingapi/2017-01-26): only resources that are or were tagged, in the
//! caller's account and region, filtered by resource type and by tags, paged with an empty
//! PaginationToken on the last page.
//!
//! Tests share one emulator and run in parallel; GetResources sees a whole region, so each
//! test works in a region of its own.

mod common;
use aws_sdk_bedrock::types::{InferenceProfileModelSource, Tag};
use aws_sdk_resourcegroupstagging::types::{ResourceTagMapping, TagFilter};
use common::{clients, system_profile_arn, ACCOUNT};
use std::collections::BTreeMap;

const PROFILES: &str = "bedrock:application-inference-profile";

type Tagged = BTreeMap<String, BTreeMap<String, String>>;

async fn tagging(region: &str) -> aws_sdk_resourcegroupstagging::Client {
    aws_sdk_resourcegroupstagging::Client::new(
        &bedrock_aws::sdk_config(&common::target(), region).await,
    )
}

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build().unwrap()
}

fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn tagged(list: &[ResourceTagMapping]) -> Tagged {
    let mut out = Tagged::new();
    for m in list {
        let arn = m
            .resource_arn()
            .expect("every mapping has its ARN")
            .to_string();
        let t = m
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect();
        assert!(out.insert(arn.clone(), t).is_none(), "{arn} listed twice");
    }
    out
}

fn filter(key: &str, values: &[&str]) -> TagFilter {
    values
        .iter()
        .fold(TagFilter::builder().key(key), |b, v| b.values(*v))
        .build()
}

/// One GetResources call (one page) for the resource types and tag filters given.
async fn get(
    t: &aws_sdk_resourcegroupstagging::Client,
    types: &[&str],
    filters: Vec<TagFilter>,
) -> Tagged {
    let out = t
        .get_resources()
        .set_resource_type_filters(
            (!types.is_empty()).then(|| types.iter().map(|s| s.to_string()).collect()),
        )
        .set_tag_filters((!filters.is_empty()).then_some(filters))
        .send()
        .await
        .unwrap();
    assert_eq!(out.pagination_token(), Some(""), "one page, then no more");
    tagged(out.resource_tag_mapping_list())
}

async fn create_profile(
    c: &bedrock_aws::Clients,
    src: &str,
    name: &str,
    profile_tags: &[(&str, &str)],
) -> String {
    let mut req = c
        .bedrock
        .create_inference_profile()
        .inference_profile_name(name)
        .model_source(InferenceProfileModelSource::CopyFrom(src.to_string()));
    for (k, v) in profile_tags {
        req = req.tags(tag(k, v));
    }
    req.send()
        .await
        .unwrap()
        .inference_profile_arn()
        .to_string()
}

#[tokio::test]
async fn tagged_profiles_are_read_in_bulk_filtered_and_paged() {
    let region = "us-east-1";
    let c = clients(region).await;
    let t = tagging(region).await;
    let src = system_profile_arn(&c, "us.anthropic.claude-3-7-sonnet-20250219-v1:0").await;
    let a = create_profile(
        &c,
        &src,
        "Tagging-A",
        &[("Application", "LibreChat"), ("Model", "claude-a")],
    )
    .await;
    let b = create_profile(
        &c,
        &src,
        "Tagging-B",
        &[("Application", "LibreChat"), ("Model", "claude-b")],
    )
    .await;
    let other = create_profile(
        &c,
        &src,
        "Tagging-Other",
        &[("Application", "Other"), ("Model", "claude-c")],
    )
    .await;
    let untagged = create_profile(&c, &src, "Tagging-Untagged", &[]).await;
    let deleted =
        create_profile(&c, &src, "Tagging-Deleted", &[("Application", "LibreChat")]).await;
    c.bedrock
        .delete_inference_profile()
        .inference_profile_identifier(&deleted)
        .send()
        .await
        .unwrap();
    assert!(a.starts_with(&format!(
        "arn:aws:bedrock:{region}:{ACCOUNT}:application-inference-profile/"
    )));

    // Exactly the tagged profiles, with their tags: not the untagged one, not the deleted one.
    let expected: Tagged = [
        (
            a.clone(),
            tags(&[("Application", "LibreChat"), ("Model", "claude-a")]),
        ),
        (
            b.clone(),
            tags(&[("Application", "LibreChat"), ("Model", "claude-b")]),
        ),
        (
            other.clone(),
            tags(&[("Application", "Other"), ("Model", "claude-c")]),
        ),
    ]
    .into_iter()
    .collect();
    let all = get(&t, &[PROFILES], vec![]).await;
    assert_eq!(all, expected);
    assert!(!all.contains_key(&untagged) && !all.contains_key(&deleted));
    // A service alone stands for all its resource types.
    assert_eq!(get(&t, &["bedrock"], vec![]).await, expected);
    // Another region has none of them (no test tags anything in ap-southeast-2).
    let elsewhere = tagging("ap-southeast-2").await;
    assert!(get(&elsewhere, &[], vec![]).await.is_empty());
    assert!(get(&elsewhere, &[PROFILES], vec![]).await.is_empty());
    // Other types do not bring them.
    assert!(get(&t, &["logs:log-group", "s3:bucket"], vec![])
        .await
        .keys()
        .all(|arn| !arn.starts_with("arn:aws:bedrock:")));

    // One resource a page, by hand: every page but the last carries a token, the last "".
    let mut walked = Tagged::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = t
            .get_resources()
            .resource_type_filters(PROFILES)
            .resources_per_page(1)
            .set_pagination_token(token.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(out.resource_tag_mapping_list().len() <= 1);
        walked.extend(tagged(out.resource_tag_mapping_list()));
        match out.pagination_token() {
            Some("") => break,
            Some(next) => token = Some(next.to_string()),
            None => panic!("AWS answers the last page with an empty PaginationToken, not none"),
        }
        assert!(pages <= 10, "the pages do not end");
    }
    assert_eq!(walked, expected);
    assert!(pages >= 3, "{pages} pages for 3 resources, one a page");

    // And with the SDK's paginator.
    let items = t
        .get_resources()
        .resource_type_filters(PROFILES)
        .into_paginator()
        .page_size(1)
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    assert_eq!(tagged(&items), expected);

    // Tag filters: values of one key are alternatives, several filters must all hold, a key
    // without values matches any value.
    let only = |arns: &[&String]| -> Tagged {
        expected
            .iter()
            .filter(|(arn, _)| arns.contains(arn))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    assert_eq!(
        get(&t, &[PROFILES], vec![filter("Application", &["LibreChat"])]).await,
        only(&[&a, &b])
    );
    assert_eq!(
        get(
            &t,
            &[PROFILES],
            vec![filter("Application", &["LibreChat", "Other"])]
        )
        .await,
        expected
    );
    assert_eq!(
        get(&t, &[PROFILES], vec![filter("Model", &[])]).await,
        expected
    );
    assert_eq!(
        get(
            &t,
            &[PROFILES],
            vec![
                filter("Application", &["LibreChat"]),
                filter("Model", &["claude-b"])
            ]
        )
        .await,
        only(&[&b])
    );
    assert!(get(&t, &[PROFILES], vec![filter("Team", &[])])
        .await
        .is_empty());
}

#[tokio::test]
async fn tag_and_untag_are_seen_and_arn_lists_are_answered() {
    let region = "us-west-2";
    let c = clients(region).await;
    let t = tagging(region).await;
    let src = system_profile_arn(&c, "us.anthropic.claude-3-7-sonnet-20250219-v1:0").await;
    let first = create_profile(&c, &src, "Later-Tagged", &[]).await;
    let second = create_profile(
        &c,
        &src,
        "Untagged-Later",
        &[("Application", "LibreChat"), ("Owner", "ops")],
    )
    .await;
    assert_eq!(
        get(&t, &[PROFILES], vec![])
            .await
            .keys()
            .collect::<Vec<_>>(),
        [&second]
    );

    c.bedrock
        .tag_resource()
        .resource_arn(&first)
        .tags(tag("Application", "LibreChat"))
        .send()
        .await
        .unwrap();
    c.bedrock
        .untag_resource()
        .resource_arn(&second)
        .tag_keys("Owner")
        .send()
        .await
        .unwrap();
    let expected: Tagged = [
        (first.clone(), tags(&[("Application", "LibreChat")])),
        (second.clone(), tags(&[("Application", "LibreChat")])),
    ]
    .into_iter()
    .collect();
    assert_eq!(get(&t, &[PROFILES], vec![]).await, expected);

    // A resource that had tags and has none left is still listed, with no tags ("Tags": []),
    // but no tag filter matches it.
    c.bedrock
        .untag_resource()
        .resource_arn(&second)
        .tag_keys("Application")
        .send()
        .await
        .unwrap();
    let now = get(&t, &[PROFILES], vec![]).await;
    assert_eq!(now.get(&second), Some(&BTreeMap::new()));
    assert_eq!(
        get(&t, &[PROFILES], vec![filter("Application", &[])])
            .await
            .keys()
            .collect::<Vec<_>>(),
        [&first]
    );

    // By ARN: the listed resources that are (or were) tagged; an unknown ARN is no error.
    let unknown =
        format!("arn:aws:bedrock:{region}:{ACCOUNT}:application-inference-profile/zzzzzzzzzzzz");
    let out = t
        .get_resources()
        .resource_arn_list(&first)
        .resource_arn_list(&unknown)
        .send()
        .await
        .unwrap();
    assert_eq!(
        tagged(out.resource_tag_mapping_list()),
        [(first.clone(), tags(&[("Application", "LibreChat")]))]
            .into_iter()
            .collect::<Tagged>()
    );
    assert_eq!(out.pagination_token(), Some(""));

    // ResourceARNList with a type filter, a tag filter or a page size: InvalidParameterException.
    let refusals = [
        t.get_resources()
            .resource_arn_list(&first)
            .resource_type_filters(PROFILES)
            .send()
            .await,
        t.get_resources()
            .resource_arn_list(&first)
            .tag_filters(filter("Application", &[]))
            .send()
            .await,
        t.get_resources()
            .resource_arn_list(&first)
            .resources_per_page(10)
            .send()
            .await,
    ];
    for refused in refusals {
        let e = refused.unwrap_err();
        assert!(
            e.as_service_error()
                .is_some_and(|e| e.is_invalid_parameter_exception()),
            "{e:?}"
        );
    }

    // After DeleteInferenceProfile, the profile is gone from GetResources.
    c.bedrock
        .delete_inference_profile()
        .inference_profile_identifier(&first)
        .send()
        .await
        .unwrap();
    assert!(!get(&t, &[PROFILES], vec![]).await.contains_key(&first));
}

/// A bucket in `region` (through that region's endpoint, as S3 requires), tagged or not.
async fn create_bucket(region: &str, name: &str, tagged: Option<(&str, &str)>) {
    let c = clients(region).await;
    c.s3.create_bucket()
        .bucket(name)
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(region))
                .build(),
        )
        .send()
        .await
        .unwrap();
    if let Some((k, v)) = tagged {
        let tag = aws_sdk_s3::types::Tag::builder()
            .key(k)
            .value(v)
            .build()
            .unwrap();
        c.s3.put_bucket_tagging()
            .bucket(name)
            .tagging(
                aws_sdk_s3::types::Tagging::builder()
                    .tag_set(tag)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn tagged_log_groups_and_buckets_of_the_region_are_listed() {
    let region = "us-east-2";
    let c = clients(region).await;
    let t = tagging(region).await;
    let group = "/librechat/tagging";
    c.logs
        .create_log_group()
        .log_group_name(group)
        .tags("Application", "LibreChat")
        .send()
        .await
        .unwrap();
    c.logs
        .create_log_group()
        .log_group_name("/librechat/untagged")
        .send()
        .await
        .unwrap();
    let bucket = format!("tagging-test-{ACCOUNT}");
    let elsewhere = format!("tagging-elsewhere-{ACCOUNT}");
    create_bucket(region, &bucket, Some(("Application", "LibreChat"))).await;
    create_bucket(region, &format!("tagging-untagged-{ACCOUNT}"), None).await;
    create_bucket("us-west-1", &elsewhere, Some(("Application", "LibreChat"))).await;

    let app = tags(&[("Application", "LibreChat")]);
    let group_arn = format!("arn:aws:logs:{region}:{ACCOUNT}:log-group:{group}");
    let bucket_arn = format!("arn:aws:s3:::{bucket}");
    let groups: Tagged = [(group_arn.clone(), app.clone())].into_iter().collect();
    let buckets: Tagged = [(bucket_arn.clone(), app.clone())].into_iter().collect();
    assert_eq!(get(&t, &["logs:log-group"], vec![]).await, groups);
    assert_eq!(get(&t, &["logs"], vec![]).await, groups);
    // Only the buckets located in the region asked.
    assert_eq!(get(&t, &["s3:bucket"], vec![]).await, buckets);
    assert_eq!(get(&t, &["s3"], vec![]).await, buckets);
    let both = get(
        &t,
        &["logs:log-group", "s3:bucket"],
        vec![filter("Application", &["LibreChat"])],
    )
    .await;
    assert_eq!(both.len(), 2);
    assert_eq!(both.get(&group_arn), Some(&app));
    assert_eq!(both.get(&bucket_arn), Some(&app));
    let west = tagging("us-west-1").await;
    assert_eq!(
        get(&west, &["s3:bucket"], vec![]).await,
        [(format!("arn:aws:s3:::{elsewhere}"), app.clone())]
            .into_iter()
            .collect::<Tagged>()
    );

    // A deleted log group is gone, and one made again under its name starts untagged.
    c.logs
        .delete_log_group()
        .log_group_name(group)
        .send()
        .await
        .unwrap();
    assert!(get(&t, &["logs:log-group"], vec![]).await.is_empty());
    c.logs
        .create_log_group()
        .log_group_name(group)
        .send()
        .await
        .unwrap();
    assert!(get(&t, &["logs:log-group"], vec![]).await.is_empty());
}

#[tokio::test]
async fn injected_throttling_and_server_errors_are_retried() {
    // Faults are global to the emulator: the other tests' GetResources calls may take some of
    // these, and retry past them just the same (fewer faults than the SDK's attempts).
    let control = common::instance().control();
    let t = tagging("eu-west-1").await;
    for kind in [
        bedrock_emulator::FaultKind::Throttle,
        bedrock_emulator::FaultKind::Server,
    ] {
        control
            .inject(&bedrock_emulator::Fault {
                service: Some("tagging".into()),
                operation: Some("GetResources".into()),
                count: 2,
                kind,
            })
            .unwrap();
        let out = t
            .get_resources()
            .resource_type_filters(PROFILES)
            .send()
            .await
            .expect(
                "retried past the injected errors (ThrottledException, InternalServiceException)",
            );
        assert!(out.resource_tag_mapping_list().is_empty());
        assert_eq!(
            control.state().unwrap()["faults"].as_array().unwrap().len(),
            0
        );
    }
}

/// Page sizes: ResourcesPerPage alone bounds the resources of a page, whatever their tags
/// (the model documents no default TagsPerPage); TagsPerPage bounds the tags, never
/// splitting a resource from its tags.
#[tokio::test]
async fn pages_are_sized_by_what_the_request_gives() {
    let region = "eu-central-1";
    let c = clients(region).await;
    let t = tagging(region).await;
    let src = system_profile_arn(&c, "eu.anthropic.claude-3-haiku-20240307-v1:0").await;
    let forty: Vec<(String, String)> = (0..40)
        .map(|i| (format!("k{i:02}"), format!("v{i}")))
        .collect();
    let forty: Vec<(&str, &str)> = forty
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    for name in ["Pages-A", "Pages-B", "Pages-C"] {
        create_profile(&c, &src, name, &forty).await;
    }
    let page = |resources: Option<i32>, tags: Option<i32>, token: Option<String>| {
        t.get_resources()
            .resource_type_filters(PROFILES)
            .set_resources_per_page(resources)
            .set_tags_per_page(tags)
            .set_pagination_token(token)
            .send()
    };
    let by_resources = page(Some(100), None, None).await.unwrap();
    assert_eq!(by_resources.resource_tag_mapping_list().len(), 3);
    assert_eq!(by_resources.pagination_token(), Some(""));

    let first = page(None, Some(100), None).await.unwrap();
    assert_eq!(
        first.resource_tag_mapping_list().len(),
        2,
        "80 tags fit, 120 do not"
    );
    let token = first.pagination_token().unwrap().to_string();
    assert!(!token.is_empty());
    let second = page(None, Some(100), Some(token)).await.unwrap();
    assert_eq!(second.resource_tag_mapping_list().len(), 1);
    assert_eq!(second.resource_tag_mapping_list()[0].tags().len(), 40);
    assert_eq!(second.pagination_token(), Some(""));
}
