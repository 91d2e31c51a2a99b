use super::*;

#[test]
fn the_builtin_table_parses_and_is_checked() {
    let t = ToolTable::parse(BUILTIN.as_bytes()).unwrap();
    assert!(t.tools.len() >= 13);
    assert_eq!(ToolTable::builtin(), t);
    for id in [
        "anydesk",
        "teamviewer",
        "rustdesk",
        "todesk",
        "sunlogin",
        "chrome-remote-desktop",
        "quick-assist",
        "ultraviewer",
        "airdroid",
    ] {
        assert!(t.get(id).is_some(), "{id}");
    }
}

/// Real executable names and paths, as Windows, macOS and Linux list the processes.
#[test]
fn running_tools_are_recognised_on_each_os() {
    let t = ToolTable::builtin();
    let cases: &[(&str, Option<&str>, &str)] = &[
        // Windows
        ("AnyDesk.exe", Some(r"C:\Program Files (x86)\AnyDesk\AnyDesk.exe"), "anydesk"),
        ("TeamViewer.exe", Some(r"C:\Program Files\TeamViewer\TeamViewer.exe"), "teamviewer"),
        ("TeamViewer_Service.exe", None, "teamviewer"),
        ("tv_x64.exe", None, "teamviewer"),
        ("rustdesk.exe", Some(r"C:\Program Files\RustDesk\rustdesk.exe"), "rustdesk"),
        ("ToDesk.exe", Some(r"C:\Program Files\ToDesk\ToDesk.exe"), "todesk"),
        ("SunloginClient.exe", None, "sunlogin"),
        ("AweSun.exe", None, "sunlogin"),
        (
            "remoting_host.exe",
            Some(r"C:\Program Files (x86)\Google\Chrome Remote Desktop\130.0.6723.2\remoting_host.exe"),
            "chrome-remote-desktop",
        ),
        ("quickassist.exe", Some(r"C:\Windows\System32\quickassist.exe"), "quick-assist"),
        (
            "QuickAssist.exe",
            Some(r"C:\Program Files\WindowsApps\MicrosoftCorporationII.QuickAssist_2.0.21.0_x64__8wekyb3d8bbwe\Microsoft.RemoteAssistance.QuickAssist\QuickAssist.exe"),
            "quick-assist",
        ),
        ("UltraViewer_Desktop.exe", None, "ultraviewer"),
        ("AirDroid.exe", None, "airdroid"),
        ("SRServer.exe", Some(r"C:\Program Files (x86)\Splashtop\Splashtop Remote\Server\SRServer.exe"), "splashtop"),
        ("ScreenConnect.ClientService.exe", None, "screenconnect"),
        ("AA_v3.exe", Some(r"C:\Users\chan\Downloads\AA_v3.exe"), "ammyy"),
        // macOS: the process name, and the bundle path
        ("AnyDesk", Some("/Applications/AnyDesk.app/Contents/MacOS/AnyDesk"), "anydesk"),
        ("TeamViewer", Some("/Applications/TeamViewer.app/Contents/MacOS/TeamViewer"), "teamviewer"),
        ("RustDesk", Some("/Applications/RustDesk.app/Contents/MacOS/RustDesk"), "rustdesk"),
        (
            "me2me_host",
            Some("/Library/PrivilegedHelperTools/org.chromium.chromoting.me2me_host.app/Contents/MacOS/remoting_me2me_host"),
            "chrome-remote-desktop",
        ),
        ("helper", Some("/Applications/AnyDesk.app/Contents/MacOS/helper"), "anydesk"),
        // Linux
        ("anydesk", Some("/usr/bin/anydesk"), "anydesk"),
        ("teamviewerd", Some("/opt/teamviewer/tv_bin/teamviewerd"), "teamviewer"),
        ("TeamViewer_Desktop", Some("/opt/teamviewer/tv_bin/TeamViewer_Desktop"), "teamviewer"),
        ("rustdesk", Some("/usr/bin/rustdesk"), "rustdesk"),
        (
            "chrome-remote-desktop-host",
            Some("/opt/google/chrome-remote-desktop/chrome-remote-desktop-host"),
            "chrome-remote-desktop",
        ),
        ("todesk", Some("/opt/todesk/bin/ToDesk"), "todesk"),
        // Portable copies run straight from Downloads, under their downloaded names
        ("AnyDesk (1).exe", Some(r"C:\Users\chan\Downloads\AnyDesk (1).exe"), "anydesk"),
        ("RustDesk-1.3.2.exe", Some(r"C:\Users\chan\Downloads\RustDesk-1.3.2.exe"), "rustdesk"),
        ("TeamViewerQS.exe", None, "teamviewer"),
        ("rustdesk-1.3.2-x86_64.AppImage", Some("/home/chan/Downloads/rustdesk-1.3.2-x86_64.AppImage"), "rustdesk"),
    ];
    for (name, path, want) in cases {
        assert_eq!(
            t.process(name, *path).map(|t| t.id.as_str()),
            Some(*want),
            "{name} {path:?}"
        );
    }
}

/// Everyday programs, including ones whose names come close.
#[test]
fn other_programs_are_not_remote_access_tools() {
    let t = ToolTable::builtin();
    let cases: &[(&str, Option<&str>)] = &[
        (
            "DingTalk.exe",
            Some(r"C:\Program Files (x86)\DingDing\main\current\DingTalk.exe"),
        ),
        (
            "chrome.exe",
            Some(r"C:\Program Files\Google\Chrome\Application\chrome.exe"),
        ),
        ("Teams.exe", None),
        ("mstsc.exe", None),
        ("explorer.exe", Some(r"C:\Windows\explorer.exe")),
        (
            "Finder",
            Some("/System/Library/CoreServices/Finder.app/Contents/MacOS/Finder"),
        ),
        ("anydesktop", Some("/usr/bin/anydesktop")),
        ("desk", None),
        ("bash", Some("/usr/bin/bash")),
        ("verity", Some("/opt/verity/verity")),
        ("", None),
    ];
    for (name, path) in cases {
        assert_eq!(t.process(name, *path), None, "{name} {path:?}");
    }
}

#[test]
fn installers_in_downloads_are_recognised() {
    let t = ToolTable::builtin();
    let cases: &[(&str, &str)] = &[
        ("AnyDesk.exe", "anydesk"),
        ("AnyDesk (1).exe", "anydesk"),
        ("AnyDesk.dmg", "anydesk"),
        ("anydesk_6.3.2-1_amd64.deb", "anydesk"),
        ("TeamViewer_Setup_x64.exe", "teamviewer"),
        ("TeamViewerQS.exe", "teamviewer"),
        ("TeamViewer.dmg", "teamviewer"),
        ("teamviewer_15.58.4_amd64.deb", "teamviewer"),
        ("rustdesk-1.3.2-x86_64.exe", "rustdesk"),
        ("rustdesk-1.3.2-x86_64.AppImage", "rustdesk"),
        ("ToDesk_Setup.exe", "todesk"),
        ("SunloginClient_15.3.1.exe", "sunlogin"),
        ("chromeremotedesktophost.msi", "chrome-remote-desktop"),
        (
            "chrome-remote-desktop_current_amd64.deb",
            "chrome-remote-desktop",
        ),
        ("UltraViewer_setup_6.6_en.exe", "ultraviewer"),
        ("AirDroid_Desktop_Client_3.7.2.exe", "airdroid"),
        ("AnyDesk.exe.crdownload", "anydesk"),
        ("TeamViewer_Setup_x64.exe.part", "teamviewer"),
        (r"C:\Users\chan\Downloads\RustDesk-1.3.2.exe", "rustdesk"),
        ("/home/chan/Downloads/anydesk.zip", "anydesk"),
    ];
    for (name, want) in cases {
        assert_eq!(
            t.installer(name).map(|t| t.id.as_str()),
            Some(*want),
            "{name}"
        );
    }
    for name in [
        "AnyDesk manual.pdf",
        "anydesktop.exe",
        "teamviewing-notes.exe",
        "DingTalk_v7.6.exe",
        "invoice-2026.zip",
        "AnyDesk.exe.txt",
        "rustdesk",
        "",
    ] {
        assert_eq!(t.installer(name), None, "{name}");
    }
}

#[test]
fn a_table_from_outside_is_checked() {
    let ok = br#"{"version":2,"tools":[{"id":"newtool","name":"New Tool","processes":["newtool"],"paths":[],"installers":["newtool"]}]}"#;
    let t = ToolTable::parse(ok).unwrap();
    assert_eq!(t.version, 2);
    assert_eq!(t.process("NewTool.exe", None).unwrap().id, "newtool");
    let bad: &[(&[u8], &str)] = &[
        (b"not json", "not valid"),
        (br#"{"version":1}"#, "not valid"),
        (br#"{"version":1,"tools":[],"extra":1}"#, "not valid"),
        (
            br#"{"version":1,"tools":[{"id":"A","name":"x","processes":["a"],"paths":[],"installers":[]}]}"#,
            "the id must be",
        ),
        (
            br#"{"version":1,"tools":[{"id":"a","name":"x","processes":["a"],"paths":[],"installers":[]},{"id":"a","name":"y","processes":["b"],"paths":[],"installers":[]}]}"#,
            "given twice",
        ),
        (
            br#"{"version":1,"tools":[{"id":"a","name":"x","processes":["AnyDesk"],"paths":[],"installers":[]}]}"#,
            "lower case",
        ),
        (
            br#"{"version":1,"tools":[{"id":"a","name":"x","processes":[],"paths":["/opt/a/"],"installers":[]}]}"#,
            "needs a process",
        ),
        (
            br#"{"version":1,"tools":[{"id":"a","name":"","processes":["a"],"paths":[],"installers":[]}]}"#,
            "the name must be",
        ),
    ];
    for (json, want) in bad {
        let e = ToolTable::parse(json).unwrap_err().to_string();
        assert!(e.contains(want), "{}: {e}", String::from_utf8_lossy(json));
    }
    let huge = vec![b' '; MAX_TABLE_BYTES + 1];
    assert_eq!(
        ToolTable::parse(&huge),
        Err(TableError::TooLarge("over 256 KiB"))
    );
    let many = format!(
        r#"{{"version":1,"tools":[{}]}}"#,
        (0..=MAX_TOOLS)
            .map(|i| format!(
                r#"{{"id":"t{i}","name":"t","processes":["t{i}"],"paths":[],"installers":[]}}"#
            ))
            .collect::<Vec<_>>()
            .join(",")
    );
    assert_eq!(
        ToolTable::parse(many.as_bytes()),
        Err(TableError::TooLarge("over 256 tools"))
    );
}

#[test]
fn a_table_from_the_feed_adds_tools_and_names_but_never_removes_one() {
    let base = ToolTable::builtin();
    let feed = ToolTable::parse(
        br#"{"version": 7, "tools": [
            {"id": "anydesk", "name": "Renamed", "processes": ["anydesk-new"], "paths": [], "installers": []},
            {"id": "newdesk", "name": "NewDesk", "processes": ["newdesk"], "paths": [], "installers": ["newdesk"]}
        ]}"#,
    )
    .unwrap();
    let merged = base.with_additions(&feed);
    assert_eq!(merged.version, 7);
    // Every built-in tool and name is still there.
    for t in &base.tools {
        let m = merged.get(&t.id).unwrap();
        assert_eq!(m.name, t.name);
        for n in &t.processes {
            assert!(m.processes.contains(n));
        }
    }
    assert_eq!(merged.process("anydesk", None).unwrap().id, "anydesk");
    assert_eq!(merged.process("anydesk-new", None).unwrap().id, "anydesk");
    assert_eq!(merged.process("newdesk", None).unwrap().id, "newdesk");
    assert_eq!(merged.installer("NewDesk_setup.exe").unwrap().id, "newdesk");
    // An empty table from outside changes nothing.
    let empty = ToolTable::parse(br#"{"version": 9, "tools": []}"#).unwrap();
    assert_eq!(base.with_additions(&empty).tools, base.tools);
}

#[test]
fn a_tool_name_is_a_product_name_not_instructions_or_markup() {
    let table = |name: &str, path: &str| {
        ToolTable::parse(
            format!(
                r#"{{"version": 1, "tools": [{{"id": "x", "name": {}, "processes": ["x"], "paths": [{}], "installers": []}}]}}"#,
                serde_json::to_string(name).unwrap(),
                serde_json::to_string(path).unwrap()
            )
            .as_bytes(),
        )
    };
    assert!(table("Sunlogin (向日葵)", "/opt/sunlogin/").is_ok());
    for bad in [
        "Microsoft Support: call +1 800 555 0199",
        "<a href=\"https://evil.example\">AnyDesk</a>",
        "AnyDesk & co",
        "A name far too long to be the name of any remote-access product",
    ] {
        assert!(table(bad, "/opt/x-tool/").is_err(), "{bad}");
    }
    assert!(
        table("Tool", "/a/").is_err(),
        "a short path fragment matches too much"
    );
}
