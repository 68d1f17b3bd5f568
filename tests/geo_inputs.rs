//! Bad [geo] input: every error class of `datacenters`, `network`,
//! placement, origins, bytes, the dns kind and data-center faults, refused
//! with exit 2, its file, line and column, its key path and its message,
//! and nothing written (the shared checks of `cli::expect_rejected`).

use super::cli::expect_rejected;

#[test]
fn rejects_bandwidth_negative() {
    expect_rejected(
        "bad-geo-bandwidth-negative.yaml",
        10,
        "-1G",
        Some("network.links[0].bandwidth"),
        &["a negative bandwidth"],
    );
}

#[test]
fn rejects_bandwidth_no_unit() {
    expect_rejected(
        "bad-geo-bandwidth-no-unit.yaml",
        10,
        "100",
        Some("network.links[0].bandwidth"),
        &["has no unit"],
    );
}

#[test]
fn rejects_bandwidth_zero() {
    expect_rejected(
        "bad-geo-bandwidth-zero.yaml",
        10,
        "0Gb",
        Some("network.links[0].bandwidth"),
        &["a bandwidth of zero"],
    );
}

#[test]
fn rejects_bytes_no_unit() {
    expect_rejected(
        "bad-geo-bytes-no-unit.yaml",
        14,
        "204",
        Some("traffic.requests.view.bytes.request"),
        &["`2048` has no unit"],
    );
}

#[test]
fn rejects_bytes_without_datacenters() {
    expect_rejected(
        "bad-geo-bytes-without-datacenters.yaml",
        7,
        "byt",
        Some("traffic.requests.view.bytes"),
        &["`bytes` without `datacenters`"],
    );
}

#[test]
fn rejects_call_to_dns() {
    expect_rejected(
        "bad-geo-call-to-dns.yaml",
        15,
        "dns",
        Some("components.web.calls[0]"),
        &["only `traffic.to` sends to a dns"],
    );
}

#[test]
fn rejects_call_without_link() {
    expect_rejected(
        "bad-geo-call-without-link.yaml",
        12,
        "api",
        Some("components.web.calls[0]"),
        &[
            "`web` (in us-east) calls `api` (in eu-west)",
            "no link joins us-east and eu-west",
        ],
    );
}

#[test]
fn rejects_dc_and_dcs() {
    expect_rejected(
        "bad-geo-dc-and-dcs.yaml",
        15,
        "dcs",
        Some("components.web.dcs"),
        &["both `dc` and `dcs`"],
    );
}

#[test]
fn rejects_dc_unknown() {
    expect_rejected(
        "bad-geo-dc-unknown.yaml",
        14,
        "ap-",
        Some("components.web.dc"),
        &[
            "no data center is called `ap-south`",
            "one of `us-east`, `eu-west`",
        ],
    );
}

#[test]
fn rejects_dcs_unknown() {
    expect_rejected(
        "bad-geo-dcs-unknown.yaml",
        14,
        "ap-",
        Some("components.web.dcs[1]"),
        &["no data center is called `ap-south`"],
    );
}

#[test]
fn rejects_dns_weights() {
    expect_rejected(
        "bad-geo-dns-weights.yaml",
        16,
        "lb-a",
        Some("components.dns.weights.lb-ap"),
        &["`lb-ap` is not an entry point", "did you mean `lb-eu`?"],
    );
}

#[test]
fn rejects_dns_without_datacenters() {
    expect_rejected(
        "bad-geo-dns-without-datacenters.yaml",
        5,
        "dns,",
        Some("components.dns.kind"),
        &["a dns without `datacenters`"],
    );
}

#[test]
fn rejects_fault_on_dns() {
    expect_rejected(
        "bad-geo-fault-on-dns.yaml",
        15,
        "dns",
        Some("faults[0].crash"),
        &["`dns` is a dns"],
    );
}

#[test]
fn rejects_link_itself() {
    expect_rejected(
        "bad-geo-link-itself.yaml",
        8,
        "us-east]",
        Some("network.links[0].between[1]"),
        &["a link between `us-east` and itself"],
    );
}

#[test]
fn rejects_link_twice() {
    expect_rejected(
        "bad-geo-link-twice.yaml",
        10,
        "[eu",
        Some("network.links[1].between"),
        &["already joined by `network.links[0]`"],
    );
}

#[test]
fn rejects_link_unknown() {
    expect_rejected(
        "bad-geo-link-unknown.yaml",
        8,
        "ap-",
        Some("network.links[0].between[1]"),
        &["no data center is called `ap-south`"],
    );
}

#[test]
fn rejects_network_without_datacenters() {
    expect_rejected(
        "bad-geo-network-without-datacenters.yaml",
        3,
        "net",
        Some("network"),
        &["a `network` without `datacenters`"],
    );
}

#[test]
fn rejects_origin_missing_dc() {
    expect_rejected(
        "bad-geo-origin-missing-dc.yaml",
        14,
        "{ u",
        Some("traffic.origins.na.latency"),
        &["no latency to `eu-west`"],
    );
}

#[test]
fn rejects_origin_unknown() {
    expect_rejected(
        "bad-geo-origin-unknown.yaml",
        14,
        "ap-",
        Some("traffic.origins.na.latency.ap-south"),
        &["no data center is called `ap-south`"],
    );
}

#[test]
fn rejects_outage_unknown() {
    expect_rejected(
        "bad-geo-outage-unknown.yaml",
        14,
        "ap-",
        Some("faults[0].outage"),
        &["no data center is called `ap-south`"],
    );
}

#[test]
fn rejects_partition_no_link() {
    expect_rejected(
        "bad-geo-partition-no-link.yaml",
        10,
        "[us",
        Some("faults[0].partition"),
        &["no link joins `us-east` and `eu-west`"],
    );
}

#[test]
fn rejects_replica_dcs_unknown() {
    expect_rejected(
        "bad-geo-replica-dcs-unknown.yaml",
        18,
        "ap-",
        Some("components.db.replica_dcs[1]"),
        &["no data center is called `ap-south`"],
    );
}

#[test]
fn rejects_shares() {
    expect_rejected(
        "bad-geo-shares.yaml",
        14,
        "na:",
        Some("traffic.origins"),
        &["the origins' shares sum to 90%", "sum to 100%"],
    );
}
