//! The region policy and the region check.
//!
//! The policy has two independent lists. `cidrs` are the address ranges requests may come from
//! (the organisation's offices and VPN exits): the desk checks each request's source address,
//! as the connection shows it, against them. `regions` are region codes (`HK`, `MO`): the device's
//! reported time zone (or, when the zone is unknown, its locale) must place it in one of them. An
//! empty list does not restrict. With no policy at all, the check passes with the
//! `region_no_policy` warning, so that a desk is usable before its admin has set one.
//!
//! Loopback gets no special treatment: it is allowed when a range includes it (or no range is
//! set), like any other address. A desk behind a reverse proxy sees the proxy's address; trusting
//! `X-Forwarded-For` is deliberately not done (see the crate docs).

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use verity_device::proto::{codes, CheckResult, RegionSignals};
use verity_device::region::{is_region_code, region_of_locale, region_of_time_zone};

/// The region policy.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Policy {
    /// Allowed region codes (ISO 3166-1 alpha-2).
    pub regions: Vec<String>,
    /// Allowed source address ranges.
    pub cidrs: Vec<IpNet>,
    /// When it was set, Unix seconds.
    pub updated_at: u64,
}

/// Why a policy was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PolicyError {
    /// A region is not a two-letter code.
    #[error("{0:?} is not a region code (two letters, like HK)")]
    BadRegion(String),
    /// A range is not CIDR.
    #[error("{0:?} is not an address range (like 10.0.0.0/8 or 2001:db8::/32)")]
    BadCidr(String),
}

impl Policy {
    /// Builds a policy from comma-separated lists, as `policy set` takes them.
    ///
    /// # Errors
    /// [`PolicyError`].
    pub fn parse(regions: &str, cidrs: &str, now: u64) -> Result<Policy, PolicyError> {
        let mut p = Policy {
            updated_at: now,
            ..Policy::default()
        };
        for r in regions.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let up = r.to_ascii_uppercase();
            if !is_region_code(&up) {
                return Err(PolicyError::BadRegion(r.to_owned()));
            }
            if !p.regions.contains(&up) {
                p.regions.push(up);
            }
        }
        for c in cidrs.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let net: IpNet = c
                .parse()
                .or_else(|_| c.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| PolicyError::BadCidr(c.to_owned()))?;
            let net = net.trunc();
            if !p.cidrs.contains(&net) {
                p.cidrs.push(net);
            }
        }
        Ok(p)
    }
}

/// An IPv4 address that arrived as IPv4-mapped IPv6 is compared as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 @ IpAddr::V4(_) => v4,
    }
}

/// The address half of the check: `Err` with the refusal when the address is outside the ranges.
fn check_address(policy: &Policy, peer: IpAddr) -> Result<String, CheckResult> {
    let peer = canonical(peer);
    if policy.cidrs.is_empty() {
        return Ok("no address ranges set".into());
    }
    match policy.cidrs.iter().find(|n| n.contains(&peer)) {
        Some(net) => Ok(format!("address {peer} is in {net}")),
        None => Err(CheckResult::fail(
            codes::REGION_ADDRESS,
            format!(
                "the request came from {peer}, outside the organisation's allowed address ranges"
            ),
        )),
    }
}

/// The device half: `Err` with the refusal when the time zone (or locale) is outside.
fn check_signals(policy: &Policy, signals: &RegionSignals) -> Result<String, CheckResult> {
    if policy.regions.is_empty() {
        return Ok("no regions set".into());
    }
    let allowed = policy.regions.join(", ");
    if let Some(tz) = signals.timezone.as_deref().filter(|t| !t.is_empty()) {
        if let Some(region) = region_of_time_zone(tz) {
            return if policy.regions.iter().any(|r| r == region) {
                Ok(format!("time zone {tz} is in {region}"))
            } else {
                Err(CheckResult::fail(
                    codes::REGION_TIMEZONE,
                    format!("the device's time zone {tz} is in {region}, not in the allowed regions ({allowed})"),
                ))
            };
        }
    }
    let tz = signals.timezone.as_deref().unwrap_or("not reported");
    match signals.locale.as_deref().and_then(region_of_locale) {
        Some(region) if policy.regions.contains(&region) => Ok(format!(
            "time zone {tz} is not one we can place; locale region {region} is allowed"
        )),
        Some(region) => Err(CheckResult::fail(
            codes::REGION_LOCALE,
            format!("the device's time zone ({tz}) cannot be placed and its locale is in {region}, not in the allowed regions ({allowed})"),
        )),
        None => Err(CheckResult::fail(
            codes::REGION_TIMEZONE,
            format!("the device's time zone ({tz}) and locale cannot be placed in a region"),
        )),
    }
}

/// The region check for a request from `peer` with the device's `signals`.
#[must_use]
pub fn check_region(policy: Option<&Policy>, peer: IpAddr, signals: &RegionSignals) -> CheckResult {
    let Some(policy) = policy.filter(|p| !p.regions.is_empty() || !p.cidrs.is_empty()) else {
        return CheckResult::pass(
            codes::REGION_NO_POLICY,
            "passed with a warning: the organisation has not set a region policy yet",
        );
    };
    let address = match check_address(policy, peer) {
        Ok(a) => a,
        Err(refusal) => return refusal,
    };
    match check_signals(policy, signals) {
        Ok(s) => CheckResult::pass(codes::OK, format!("{address}; {s}")),
        Err(refusal) => refusal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(tz: Option<&str>, locale: Option<&str>) -> RegionSignals {
        RegionSignals {
            timezone: tz.map(str::to_owned),
            locale: locale.map(str::to_owned),
        }
    }

    #[test]
    fn no_policy_passes_with_a_warning() {
        let r = check_region(None, "8.8.8.8".parse().unwrap(), &sig(None, None));
        assert!(r.ok);
        assert_eq!(r.code, codes::REGION_NO_POLICY);
    }

    #[test]
    fn address_and_time_zone() {
        let p = Policy::parse("hk,MO", "10.0.0.0/8, 192.168.1.7", 0).unwrap();
        assert_eq!(p.regions, vec!["HK", "MO"]);
        let hk = sig(Some("Asia/Hong_Kong"), Some("en-US"));
        assert!(check_region(Some(&p), "10.1.2.3".parse().unwrap(), &hk).ok);
        assert!(check_region(Some(&p), "::ffff:10.1.2.3".parse().unwrap(), &hk).ok);
        assert!(check_region(Some(&p), "192.168.1.7".parse().unwrap(), &hk).ok);
        let r = check_region(Some(&p), "127.0.0.1".parse().unwrap(), &hk);
        assert_eq!((r.ok, r.code.as_str()), (false, codes::REGION_ADDRESS));
        let london = sig(Some("Europe/London"), Some("zh-HK"));
        let r = check_region(Some(&p), "10.1.2.3".parse().unwrap(), &london);
        assert_eq!((r.ok, r.code.as_str()), (false, codes::REGION_TIMEZONE));
        let utc_hk = sig(Some("Etc/UTC"), Some("zh_HK.UTF-8"));
        assert!(check_region(Some(&p), "10.1.2.3".parse().unwrap(), &utc_hk).ok);
        let utc_us = sig(Some("Etc/UTC"), Some("en_US.UTF-8"));
        let r = check_region(Some(&p), "10.1.2.3".parse().unwrap(), &utc_us);
        assert_eq!((r.ok, r.code.as_str()), (false, codes::REGION_LOCALE));
        let none = sig(None, None);
        let r = check_region(Some(&p), "10.1.2.3".parse().unwrap(), &none);
        assert_eq!((r.ok, r.code.as_str()), (false, codes::REGION_TIMEZONE));
    }

    #[test]
    fn refuses_bad_lists() {
        assert!(matches!(
            Policy::parse("HKG", "", 0),
            Err(PolicyError::BadRegion(_))
        ));
        assert!(matches!(
            Policy::parse("", "10.0.0.0/33", 0),
            Err(PolicyError::BadCidr(_))
        ));
    }
}
