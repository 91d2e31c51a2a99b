use super::*;

fn body(org: &SigningKey, dev: &SigningKey) -> CertificateBody {
    CertificateBody {
        v: 1,
        serial: "01".into(),
        org_name: "Acme".into(),
        org_key: b64(org.verifying_key().as_bytes()),
        device_id: key_id(&dev.verifying_key()),
        device_key: b64(dev.verifying_key().as_bytes()),
        employee_id: "e1".into(),
        employee_name: "Chan Tai Man".into(),
        issued_at: 1000,
        expires_at: 2000,
    }
}

#[test]
fn certificate_round_trip_and_forgeries() {
    let org = generate_signing_key().unwrap();
    let other = generate_signing_key().unwrap();
    let dev = generate_signing_key().unwrap();
    let cert = Certificate::sign(body(&org, &dev), &org).unwrap();
    let back = Certificate::verify(cert.token(), &org.verifying_key(), Some(1500)).unwrap();
    assert_eq!(back.body(), cert.body());
    assert_eq!(
        Certificate::verify(cert.token(), &org.verifying_key(), Some(2000)),
        Err(ProtoError::CertificateExpired)
    );
    // Signed by another key that claims to be the organisation (sign itself refuses to).
    assert_eq!(
        Certificate::sign(body(&org, &dev), &other),
        Err(ProtoError::CertificateOrganisation)
    );
    let forged = device_token(&body(&org, &dev), &other);
    assert_eq!(
        Certificate::verify(&forged, &org.verifying_key(), Some(1500)),
        Err(ProtoError::CertificateSignature)
    );
    // A body swapped under a valid signature.
    let parts: Vec<&str> = cert.token().split('.').collect();
    let mut b = body(&org, &dev);
    b.employee_id = "boss".into();
    let swapped = format!("vc1.{}.{}", b64(&serde_json::to_vec(&b).unwrap()), parts[2]);
    assert_eq!(
        Certificate::verify(&swapped, &org.verifying_key(), Some(1500)),
        Err(ProtoError::CertificateSignature)
    );
    assert_eq!(
        Certificate::verify("vc1.x", &org.verifying_key(), None),
        Err(ProtoError::CertificateMalformed)
    );
}

/// A binding certificate's token for `b` signed by `key`, as a careless or older signer would
/// make it (no checks).
fn device_token(b: &CertificateBody, key: &SigningKey) -> String {
    let bytes = serde_json::to_vec(b).unwrap();
    let sig = key.sign(&[CERT_DOMAIN, &bytes].concat());
    format!("vc1.{}.{}", b64(&bytes), b64(&sig.to_bytes()))
}

/// `Certificate::sign` checks what `AgentCertificate::sign` checks: names (bidi controls,
/// zero-width and control characters, length, padding), the serial, the window, that the device
/// id is the key's and the organisation key the signer's; `verify` refuses the same fields.
#[test]
fn device_certificate_fields_out_of_bounds_are_refused_on_signing_and_on_verifying() {
    let org = generate_signing_key().unwrap();
    let dev = generate_signing_key().unwrap();
    type Edit = fn(&mut CertificateBody);
    let cases: [(Edit, CertificateFieldError); 9] = [
        (
            |b| b.employee_name = "Chan\u{202E}naM iaT".into(),
            CertificateFieldError::Text("employee name"),
        ),
        (
            |b| b.employee_name = "Chan\u{200B}Tai Man".into(),
            CertificateFieldError::Text("employee name"),
        ),
        (
            |b| b.employee_name = String::new(),
            CertificateFieldError::Text("employee name"),
        ),
        (
            |b| b.employee_id = "e1\n".into(),
            CertificateFieldError::Text("employee id"),
        ),
        (
            |b| b.org_name = "x".repeat(129),
            CertificateFieldError::Text("organisation name"),
        ),
        (
            |b| b.org_name = "Acme\u{2066}".into(),
            CertificateFieldError::Text("organisation name"),
        ),
        (|b| b.serial = String::new(), CertificateFieldError::Serial),
        (|b| b.serial = "0G".into(), CertificateFieldError::Serial),
        (
            |b| b.expires_at = b.issued_at,
            CertificateFieldError::Window,
        ),
    ];
    for (edit, want) in cases {
        let mut b = body(&org, &dev);
        edit(&mut b);
        assert_eq!(
            Certificate::sign(b.clone(), &org),
            Err(ProtoError::CertificateField(want.clone()))
        );
        assert_eq!(
            Certificate::verify(&device_token(&b, &org), &org.verifying_key(), None),
            Err(ProtoError::CertificateField(want))
        );
    }
    let mut b = body(&org, &dev);
    b.device_id = key_id(&org.verifying_key());
    assert_eq!(
        Certificate::sign(b, &org),
        Err(ProtoError::CertificateDevice)
    );
    let mut b = body(&org, &dev);
    b.v = 2;
    assert_eq!(
        Certificate::sign(b, &org),
        Err(ProtoError::CertificateMalformed)
    );
    // Names in every script pass.
    let mut b = body(&org, &dev);
    b.employee_name = "陳大文".into();
    b.org_name = "شركة أكمي".into();
    Certificate::sign(b, &org).unwrap();
}

#[test]
fn request_signatures_cover_every_part() {
    let dev = generate_signing_key().unwrap();
    let o = "https://desk.example.hk";
    let auth = sign_request(&dev, o, "POST", "/v1/verify", b"{}", 42, Some("vc1.a.b")).unwrap();
    let vk = dev.verifying_key();
    verify_request_signature(&vk, o, "POST", "/v1/verify", b"{}", &auth).unwrap();
    assert!(verify_request_signature(&vk, o, "POST", "/v1/verify", b"{ }", &auth).is_err());
    assert!(verify_request_signature(&vk, o, "POST", "/v1/enroll", b"{}", &auth).is_err());
    // Another desk (a relay): refused.
    for other in [
        "https://desk.example.hk.evil",
        "http://desk.example.hk",
        "https://desk.example.hk:8443",
    ] {
        assert!(verify_request_signature(&vk, other, "POST", "/v1/verify", b"{}", &auth).is_err());
    }
    let mut t = auth.clone();
    t.timestamp = 43;
    assert!(verify_request_signature(&vk, o, "POST", "/v1/verify", b"{}", &t).is_err());
    let mut c = auth.clone();
    c.certificate = None;
    assert!(verify_request_signature(&vk, o, "POST", "/v1/verify", b"{}", &c).is_err());
    assert!(is_valid_nonce(&auth.nonce));
}

#[test]
fn origins_and_answer_signatures() {
    let url = |s: &str| url::Url::parse(s).unwrap();
    assert_eq!(
        origin_of(&url("https://Desk.Example.hk:443/base/")),
        "https://desk.example.hk"
    );
    assert_eq!(
        origin_of(&url("http://127.0.0.1:8080/")),
        "http://127.0.0.1:8080"
    );
    assert_eq!(origin_of(&url("http://[::1]:8080")), "http://[::1]:8080");
    let org = generate_signing_key().unwrap();
    let vk = org.verifying_key();
    let o = "https://desk.example.hk";
    let sig = sign_response(&org, o, "n0nce", b"{}");
    verify_response(&vk, o, "n0nce", b"{}", &sig).unwrap();
    for (origin, nonce, body) in [
        ("https://other.example", "n0nce", &b"{}"[..]),
        (o, "another", b"{}"),
        (o, "n0nce", b"{ }"),
    ] {
        assert_eq!(
            verify_response(&vk, origin, nonce, body, &sig),
            Err(ProtoError::ResponseSignature)
        );
    }
    let other = generate_signing_key().unwrap().verifying_key();
    assert!(verify_response(&other, o, "n0nce", b"{}", &sig).is_err());
    assert!(verify_response(&vk, o, "n0nce", b"{}", "not base64!").is_err());
}

#[test]
fn audit_heads_are_signed_by_the_device_and_refuse_forgeries() {
    let dev = generate_signing_key().unwrap();
    let other = generate_signing_key().unwrap();
    let id = key_id(&dev.verifying_key());
    let hash = "ab".repeat(32);
    let head = sign_audit_head(&dev, &id, 7, &hash).unwrap();
    let vk = dev.verifying_key();
    verify_audit_head(&vk, &id, &head).unwrap();
    let mut want = b"verity-audit-head-v1\n".to_vec();
    want.extend_from_slice(format!("{id}\n7\n{hash}").as_bytes());
    assert_eq!(audit_head_signing_input(&id, 7, &hash), want);
    // Another key, another device, another seq or hash: refused.
    let forged = sign_audit_head(&other, &id, 7, &hash).unwrap();
    assert_eq!(
        verify_audit_head(&vk, &id, &forged),
        Err(ProtoError::AuditHeadSignature)
    );
    assert_eq!(
        verify_audit_head(&vk, &"00".repeat(32), &head),
        Err(ProtoError::AuditHeadSignature)
    );
    let mut h = head.clone();
    h.seq = 8;
    assert_eq!(
        verify_audit_head(&vk, &id, &h),
        Err(ProtoError::AuditHeadSignature)
    );
    let mut h = head.clone();
    h.hash = "cd".repeat(32);
    assert_eq!(
        verify_audit_head(&vk, &id, &h),
        Err(ProtoError::AuditHeadSignature)
    );
    let mut h = head.clone();
    h.signature = "not base64!".into();
    assert_eq!(
        verify_audit_head(&vk, &id, &h),
        Err(ProtoError::AuditHeadSignature)
    );
    // Malformed heads are refused before any signature is looked at.
    for (seq, hash) in [
        (0, "ab".repeat(32)),
        (1, "AB".repeat(32)),
        (1, "ab".repeat(31)),
        (1, "zz".repeat(32)),
        (u64::MAX, "ab".repeat(32)),
    ] {
        assert_eq!(
            sign_audit_head(&dev, &id, seq, &hash),
            Err(ProtoError::AuditHeadMalformed)
        );
        let h = SignedHead {
            seq,
            hash,
            signature: head.signature.clone(),
        };
        assert_eq!(
            verify_audit_head(&vk, &id, &h),
            Err(ProtoError::AuditHeadMalformed)
        );
    }
    // A device's head signature is not a request signature, nor the other way round.
    let as_head = SignedHead {
        seq: 7,
        hash: hash.clone(),
        signature: sign_request(&dev, "o", "POST", "/", b"", 1, None)
            .unwrap()
            .signature,
    };
    assert!(verify_audit_head(&vk, &id, &as_head).is_err());
}

#[test]
fn audit_anchors_are_countersigned_by_the_organisation_and_refuse_forgeries() {
    let org = generate_signing_key().unwrap();
    let other = generate_signing_key().unwrap();
    let id = "ab".repeat(32);
    let hash = "01".repeat(32);
    let a = sign_audit_anchor(&org, &id, 3, &hash, 1_700_000_000);
    let vk = org.verifying_key();
    verify_audit_anchor(&vk, &id, &a).unwrap();
    let mut want = b"verity-audit-anchor-v1\n".to_vec();
    want.extend_from_slice(
        format!("{}\n{id}\n3\n{hash}\n1700000000", b64(vk.as_bytes())).as_bytes(),
    );
    assert_eq!(
        audit_anchor_signing_input(&b64(vk.as_bytes()), &id, 3, &hash, 1_700_000_000),
        want
    );
    // Signed by another key claiming to be the organisation.
    let forged = sign_audit_anchor(&other, &id, 3, &hash, 1_700_000_000);
    assert_eq!(
        verify_audit_anchor(&vk, &id, &forged),
        Err(ProtoError::AuditAnchorSignature)
    );
    // Any field changed under a real countersignature.
    let mut t = a.clone();
    t.seq = 4;
    assert!(verify_audit_anchor(&vk, &id, &t).is_err());
    let mut t = a.clone();
    t.hash = "02".repeat(32);
    assert!(verify_audit_anchor(&vk, &id, &t).is_err());
    let mut t = a.clone();
    t.at += 1;
    assert!(verify_audit_anchor(&vk, &id, &t).is_err());
    assert!(verify_audit_anchor(&vk, &"cd".repeat(32), &a).is_err());
    assert!(verify_audit_anchor(&other.verifying_key(), &id, &a).is_err());
    // An answer signature is never an anchor.
    let mut t = a.clone();
    t.signature = sign_response(&org, "o", "n", b"{}");
    assert!(verify_audit_anchor(&vk, &id, &t).is_err());
}

#[test]
fn verify_requests_without_a_head_stay_as_they_were() {
    let req = VerifyRequest {
        totp: "123456".into(),
        signals: RegionSignals::default(),
        audit_head: None,
    };
    let j = serde_json::to_string(&req).unwrap();
    assert!(!j.contains("audit_head"), "{j}");
    let back: VerifyRequest = serde_json::from_str(&j).unwrap();
    assert!(back.audit_head.is_none());
    let r: VerifyResponse = serde_json::from_str(
        r#"{"device_binding":{"ok":true,"code":"ok","message":""},
            "two_factor":{"ok":true,"code":"ok","message":""},
            "region":{"ok":true,"code":"ok","message":""}}"#,
    )
    .unwrap();
    assert!(r.audit_anchor.is_none());
}

#[test]
fn fingerprints_are_grouped_hex() {
    let k = generate_signing_key().unwrap().verifying_key();
    let fp = fingerprint(&k);
    assert_eq!(fp.split(' ').count(), 16);
    assert_eq!(
        normalize_fingerprint(&fp.to_lowercase()),
        fp.replace(' ', "")
    );
}

#[test]
fn every_code_is_in_all_once() {
    let source = include_str!("mod.rs");
    let start = source.find("pub mod codes {").unwrap();
    let block = &source[start..];
    let block = &block[..block.find("\n}\n").unwrap()];
    let declared = block.matches(": &str = \"").count();
    let listed: Vec<&str> = codes::ALL.iter().chain(codes::REPORT).copied().collect();
    assert_eq!(
        listed.len(),
        declared,
        "codes::ALL and codes::REPORT must list every code"
    );
    let unique: std::collections::BTreeSet<_> = listed.iter().collect();
    assert_eq!(unique.len(), listed.len(), "a code listed twice");
}

fn agent_body(org: &SigningKey, agent: &SigningKey) -> AgentCertificateBody {
    AgentCertificateBody {
        v: 1,
        serial: "02".into(),
        org_name: "Acme".into(),
        org_key: b64(org.verifying_key().as_bytes()),
        agent_id: key_id(&agent.verifying_key()),
        agent_key: b64(agent.verifying_key().as_bytes()),
        agent: AgentProfile {
            name: "Wong Siu Ming".into(),
            role: AgentRole::Agent,
            team: "Accounts".into(),
            languages: vec!["zh-HK".into(), "en".into()],
            regions: vec!["HK".into()],
            skills: vec!["billing".into(), "login_2fa".into()],
            capacity: 3,
        },
        issued_at: 1000,
        expires_at: 2000,
    }
}

#[test]
fn agent_certificate_round_trip_and_forgeries() {
    let org = generate_signing_key().unwrap();
    let agent = generate_signing_key().unwrap();
    let cert = AgentCertificate::sign(agent_body(&org, &agent), &org).unwrap();
    assert!(cert.token().starts_with("va1."));
    let back = AgentCertificate::verify(cert.token(), &org.verifying_key(), Some(1500)).unwrap();
    assert_eq!(back.body(), cert.body());
    assert_eq!(back.agent_key(), &agent.verifying_key());
    let fp = back.fingerprint();
    assert_eq!(fp.split(' ').count(), 16);
    assert_eq!(fp, cert.fingerprint());

    // Outside its window.
    for now in [2000, 1000 - MAX_CLOCK_SKEW_SECS - 1] {
        assert_eq!(
            AgentCertificate::verify(cert.token(), &org.verifying_key(), Some(now)),
            Err(ProtoError::CertificateExpired)
        );
    }
    // Another organisation's key.
    let other = generate_signing_key().unwrap();
    assert_eq!(
        AgentCertificate::verify(cert.token(), &other.verifying_key(), None),
        Err(ProtoError::CertificateSignature)
    );
    // A body edited after signing (a promotion to supervisor, a bigger capacity).
    let mut parts: Vec<String> = cert.token().split('.').map(str::to_owned).collect();
    let mut edited = agent_body(&org, &agent);
    edited.agent.role = AgentRole::Supervisor;
    parts[1] = b64(&serde_json::to_vec(&edited).unwrap());
    assert_eq!(
        AgentCertificate::verify(&parts.join("."), &org.verifying_key(), None),
        Err(ProtoError::CertificateSignature)
    );
    // Garbage, and too long.
    for token in [
        "",
        "va1",
        "va1..",
        "va1.!!.!!",
        "va1.a.b.c",
        &"x".repeat(MAX_CERTIFICATE_LEN + 1),
    ] {
        assert_eq!(
            AgentCertificate::verify(token, &org.verifying_key(), None),
            Err(ProtoError::CertificateMalformed),
            "{token:?}"
        );
    }
}

/// An employee's binding certificate never passes for an agent's, nor the reverse, even with the
/// same organisation key and the same device key: prefixes and signature domains differ.
#[test]
fn device_and_agent_certificates_are_not_interchangeable() {
    let org = generate_signing_key().unwrap();
    let dev = generate_signing_key().unwrap();
    let device = Certificate::sign(body(&org, &dev), &org).unwrap();
    let agent = AgentCertificate::sign(agent_body(&org, &dev), &org).unwrap();
    assert_eq!(
        AgentCertificate::verify(device.token(), &org.verifying_key(), None),
        Err(ProtoError::CertificateMalformed)
    );
    assert_eq!(
        Certificate::verify(agent.token(), &org.verifying_key(), None),
        Err(ProtoError::CertificateMalformed)
    );
    // The same bytes under the other prefix: the domain makes the signature fail.
    let swapped = agent.token().replacen("va1.", "vc1.", 1);
    assert_eq!(
        Certificate::verify(&swapped, &org.verifying_key(), None),
        Err(ProtoError::CertificateSignature)
    );
    let swapped = device.token().replacen("vc1.", "va1.", 1);
    assert_eq!(
        AgentCertificate::verify(&swapped, &org.verifying_key(), None),
        Err(ProtoError::CertificateSignature)
    );
}

#[test]
fn agent_fields_out_of_bounds_are_refused_on_signing_and_on_verifying() {
    let org = generate_signing_key().unwrap();
    let agent = generate_signing_key().unwrap();
    type Edit = fn(&mut AgentCertificateBody);
    let cases: [(Edit, AgentFieldError); 14] = [
        (
            |b| b.agent.name = String::new(),
            AgentFieldError::Text("name"),
        ),
        (
            |b| b.agent.name = "Wong\u{7}".into(),
            AgentFieldError::Text("name"),
        ),
        (
            |b| b.agent.name = "x".repeat(81),
            AgentFieldError::Text("name"),
        ),
        (
            |b| b.agent.name = "Wong\u{202E}rosivrepuS".into(),
            AgentFieldError::Text("name"),
        ),
        (
            |b| b.agent.team = "Acc\u{200D}ounts".into(),
            AgentFieldError::Text("team"),
        ),
        (
            |b| b.agent.team = " Accounts".into(),
            AgentFieldError::Text("team"),
        ),
        (
            |b| b.agent.languages = vec!["fr".into()],
            AgentFieldError::Language("fr".into()),
        ),
        (
            |b| b.agent.languages = vec![],
            AgentFieldError::List("give each language once, at least one"),
        ),
        (
            |b| b.agent.regions = vec!["hk".into()],
            AgentFieldError::Region("hk".into()),
        ),
        (
            |b| b.agent.regions = vec!["HK".into(), "HK".into()],
            AgentFieldError::List("give each region once, at least one and at most 32"),
        ),
        (
            |b| b.agent.skills = vec!["Billing".into()],
            AgentFieldError::Skill("Billing".into()),
        ),
        (
            |b| b.agent.skills = (0..17).map(|i| format!("s{i}")).collect(),
            AgentFieldError::List("give each skill once, at most 16 skills"),
        ),
        (|b| b.agent.capacity = 0, AgentFieldError::Capacity),
        (|b| b.expires_at = b.issued_at, AgentFieldError::Window),
    ];
    for (edit, want) in cases {
        let mut b = agent_body(&org, &agent);
        edit(&mut b);
        assert_eq!(
            AgentCertificate::sign(b.clone(), &org),
            Err(ProtoError::AgentField(want.clone()))
        );
        // Signed anyway (an older desk, a bug): refused when verified too.
        let bytes = serde_json::to_vec(&b).unwrap();
        let sig = org.sign(&[b"verity-agent-certificate-v1\n".as_slice(), &bytes].concat());
        let token = format!("va1.{}.{}", b64(&bytes), b64(&sig.to_bytes()));
        assert_eq!(
            AgentCertificate::verify(&token, &org.verifying_key(), None),
            Err(ProtoError::AgentField(want))
        );
    }
    // The agent id must be the key's, and the organisation key the signer's.
    let mut b = agent_body(&org, &agent);
    b.agent_id = key_id(&org.verifying_key());
    assert_eq!(
        AgentCertificate::sign(b, &org),
        Err(ProtoError::CertificateDevice)
    );
    let other = generate_signing_key().unwrap();
    assert_eq!(
        AgentCertificate::sign(agent_body(&other, &agent), &org),
        Err(ProtoError::CertificateOrganisation)
    );
}
