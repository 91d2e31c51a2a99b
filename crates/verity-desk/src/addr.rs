//! Where a request comes from: the client address (the TCP peer, or — only when the peer is a
//! proxy the admin trusts — the address the proxy reports), and the bucket rate limits count it
//! in.
//!
//! `X-Forwarded-For` and `Forwarded` are written by whoever opens the connection, so they are
//! read only when the TCP peer is inside a `--trusted-proxy` range; then the header is walked
//! from the right (the hop nearest the desk) past every trusted proxy, and the first address that
//! is not one is the client. Anything unreadable falls back to the TCP peer. IPv6 clients are
//! bucketed by their /64: one subscriber usually gets a whole /64 and can rotate through it.

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::{IpAddr, Ipv6Addr};

/// The client's address for `peer` (the TCP peer) and the request's headers.
#[must_use]
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let peer = canonical(peer);
    if !is_trusted(peer, trusted) {
        return peer;
    }
    let hops = forwarded_hops(headers);
    let Some(hops) = hops else { return peer };
    // From the nearest hop outwards: skip the trusted proxies; the first other one is the client.
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = hop else { return peer };
        client = canonical(*ip);
        if !is_trusted(client, trusted) {
            return client;
        }
    }
    client
}

fn is_trusted(ip: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|n| n.contains(&ip))
}

/// An IPv4-mapped IPv6 address as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// The hops a forwarding header lists, leftmost (the original client) first; `None` for a hop
/// that cannot be read. `Forwarded` (RFC 7239) wins over `X-Forwarded-For`; `None` when neither
/// is present.
fn forwarded_hops(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    let joined = |name: &str| -> Option<String> {
        let values: Vec<&str> = headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap_or("\u{0}"))
            .collect();
        (!values.is_empty()).then(|| values.join(","))
    };
    if let Some(f) = joined("forwarded") {
        return Some(
            f.split(',')
                .map(|element| {
                    element.split(';').find_map(|pair| {
                        let (k, v) = pair.trim().split_once('=')?;
                        k.trim()
                            .eq_ignore_ascii_case("for")
                            .then(|| parse_hop(v.trim().trim_matches('"')))?
                    })
                })
                .collect(),
        );
    }
    joined("x-forwarded-for").map(|x| x.split(',').map(|h| parse_hop(h.trim())).collect())
}

/// `192.0.2.1`, `192.0.2.1:443`, `2001:db8::1`, `[2001:db8::1]`, `[2001:db8::1]:443`.
fn parse_hop(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = s.strip_prefix('[') {
        let (inner, _) = rest.split_once(']')?;
        return inner.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    let (host, port) = s.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

/// The subject a per-address rate limit counts: an IPv4 address itself, an IPv6 address's /64.
#[must_use]
pub fn rate_bucket(ip: IpAddr) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let net = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
            format!("{net}/64")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn nets(s: &[&str]) -> Vec<IpNet> {
        s.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn ipv6_clients_are_bucketed_by_their_64() {
        let a = rate_bucket(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd"));
        let b = rate_bucket(ip("2001:db8:1:2::1"));
        let c = rate_bucket(ip("2001:db8:1:3::1"));
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(a, b, "one /64, one bucket");
        assert_ne!(a, c, "the next /64 is another bucket");
        assert_eq!(rate_bucket(ip("192.0.2.7")), "192.0.2.7");
        assert_ne!(rate_bucket(ip("192.0.2.7")), rate_bucket(ip("192.0.2.8")));
        // An IPv4-mapped address counts as the IPv4 address, not as the mapped /64.
        assert_eq!(rate_bucket(ip("::ffff:192.0.2.7")), "192.0.2.7");
    }

    #[test]
    fn forwarding_headers_count_only_from_a_trusted_proxy() {
        let h = headers(&[("x-forwarded-for", "203.0.113.9")]);
        // No trusted proxy: the header is ignored.
        assert_eq!(client_addr(ip("127.0.0.1"), &h, &[]), ip("127.0.0.1"));
        // A peer outside the trusted range: ignored.
        let t = nets(&["10.0.0.0/8"]);
        assert_eq!(client_addr(ip("192.0.2.1"), &h, &t), ip("192.0.2.1"));
        // From the trusted proxy: the client it reports.
        assert_eq!(client_addr(ip("10.1.1.1"), &h, &t), ip("203.0.113.9"));
        // A client that forges a first hop: the rightmost untrusted hop wins, not the forged one.
        let h = headers(&[("x-forwarded-for", "198.51.100.1, 203.0.113.9, 10.2.2.2")]);
        assert_eq!(client_addr(ip("10.1.1.1"), &h, &t), ip("203.0.113.9"));
        // Several header lines are one list.
        let h = headers(&[
            ("x-forwarded-for", "198.51.100.1"),
            ("x-forwarded-for", "203.0.113.9:5555"),
        ]);
        assert_eq!(client_addr(ip("10.1.1.1"), &h, &t), ip("203.0.113.9"));
        // Garbage: the TCP peer.
        let h = headers(&[("x-forwarded-for", "not-an-address")]);
        assert_eq!(client_addr(ip("10.1.1.1"), &h, &t), ip("10.1.1.1"));
        // No header from a trusted proxy: the proxy itself.
        assert_eq!(
            client_addr(ip("10.1.1.1"), &HeaderMap::new(), &t),
            ip("10.1.1.1")
        );
    }

    #[test]
    fn the_standard_forwarded_header() {
        let t = nets(&["10.0.0.0/8", "::1/128"]);
        let h = headers(&[(
            "forwarded",
            "for=198.51.100.1;proto=https, for=\"[2001:db8::7]:4711\";by=10.0.0.1",
        )]);
        assert_eq!(client_addr(ip("::1"), &h, &t), ip("2001:db8::7"));
        // Forwarded wins over X-Forwarded-For.
        let h = headers(&[
            ("forwarded", "for=203.0.113.5"),
            ("x-forwarded-for", "198.51.100.1"),
        ]);
        assert_eq!(client_addr(ip("10.0.0.2"), &h, &t), ip("203.0.113.5"));
        // An obfuscated identifier cannot be used: the peer.
        let h = headers(&[("forwarded", "for=_hidden")]);
        assert_eq!(client_addr(ip("10.0.0.2"), &h, &t), ip("10.0.0.2"));
    }
}
