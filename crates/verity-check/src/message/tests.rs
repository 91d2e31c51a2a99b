//! The message rules' tests: extraction and scripts in the four languages.

use super::*;
use crate::official::OfficialDirectory;
use verity_core::phone::Region;

fn phones(t: &str) -> Vec<String> {
    extract(t, Region::HK)
        .phones
        .into_iter()
        .map(|f| f.text)
        .collect()
}
fn links(t: &str) -> Vec<String> {
    extract(t, Region::HK)
        .links
        .into_iter()
        .map(|f| f.text)
        .collect()
}

#[test]
fn extracts_numbers() {
    let cases: &[(&str, &[&str])] = &[
        (
            "DingTalk customer service hotline 3001 2345, call now",
            &["3001 2345"],
        ),
        (
            "Call +852 9123 4567 or 2123-4567.",
            &["+852 9123 4567", "2123-4567"],
        ),
        (
            "釘釘客服熱線：３００１２３４５，請立即致電",
            &["３００１２３４５"],
        ),
        ("钉钉客服电话(852)91234567请尽快联系", &["(852)91234567"]),
        (
            "اتصل بخدمة عملاء DingTalk على ‎+852 6123 4567",
            &["+852 6123 4567"],
        ),
        ("رقم الدعم ٩١٢٣٤٥٦٧", &["٩١٢٣٤٥٦٧"]),
        ("tap tel:+85230012345 to call", &["tel:+85230012345"]),
        ("00852 9123 4567 is our line", &["00852 9123 4567"]),
        ("same 9123 4567 and 91234567 twice", &["9123 4567"]),
        ("bad +852 1234 5678 caller", &["+852 1234 5678"]),
    ];
    for (t, want) in cases {
        assert_eq!(phones(t), *want, "{t}");
    }
}

#[test]
fn does_not_extract_dates_amounts_codes() {
    for t in [
        "Your verification code is 123456. Do not share it with anyone.",
        "您的驗證碼為 482913，5分鐘內有效。",
        "Meeting on 2025-03-14 at 10:30, room 1203",
        "Invoice total HK$12345678.00 due 14/03/2025",
        "Transfer 15000000元 today",
        "Order 12345678 has shipped",
        "Your OTP: 12345678",
        "訂單編號 88886666 已發貨",
        "رمز التحقق الخاص بك هو 48291375",
        "Ref ABC12345678 and id 87654321x",
        "Version 1.2.3.4 released",
        "Pay HKD 91234567 now",
        "Amount: $ 23456789",
        "Temperature 12345678%",
    ] {
        assert_eq!(phones(t), Vec::<String>::new(), "{t}");
    }
}

#[test]
fn extracts_links() {
    let cases: &[(&str, &[&str])] = &[
        (
            "Visit https://dingtalk-hk.com/login now",
            &["https://dingtalk-hk.com/login"],
        ),
        (
            "請登入http://evil.xyz/pay立即驗證",
            &["http://evil.xyz/pay"],
        ),
        (
            "go to www.dingtalk-support.top.",
            &["www.dingtalk-support.top"],
        ),
        (
            "open dingtalk-upgrade.com/pay?id=1, thanks",
            &["dingtalk-upgrade.com/pay?id=1"],
        ),
        ("點擊 dingtalk-hk.com 完成", &["dingtalk-hk.com"]),
        (
            "(see https://example.org/a_(b))",
            &["https://example.org/a_(b)"],
        ),
        ("mail support@dingtalk.com please", &[]),
        ("IDN http://例子.香港/x here", &["http://例子.香港/x"]),
        ("e.g. this, version 2.5 and file.txt, Mr.Chan", &[]),
        ("HTTPS://WWW.DINGTALK.COM/", &["HTTPS://WWW.DINGTALK.COM/"]),
    ];
    for (t, want) in cases {
        assert_eq!(links(t), *want, "{t}");
    }
}

fn scripts(t: &str, has_phone: bool) -> Vec<&'static str> {
    detect_scripts(t, has_phone, &OfficialDirectory::dingtalk_default())
        .into_iter()
        .map(|h| h.code.as_str())
        .collect()
}

#[test]
fn scam_scripts_in_four_languages() {
    use ReasonCode as R;
    let a = R::ScriptCodeOrRemoteAccess.as_str();
    let b = R::ScriptPaidUpgrade.as_str();
    let c = R::ScriptFreezeThreat.as_str();
    let d = R::PresentedAsPlatformSupport.as_str();
    let cases: &[(&str, bool, &[&str])] = &[
        // (a) code or remote access
        ("This is DingTalk technical support. Please tell me the verification code we just sent.", false, &[a]),
        ("Our engineer needs remote access. Please download AnyDesk and send us the 9-digit ID.", false, &[a]),
        ("Please install TeamViewer so our technician can fix your account", false, &[a]),
        ("我係釘釘客服工程師，請將剛收到的驗證碼告訴我。", false, &[a]),
        ("请下载AnyDesk，我们的技术人员会远程协助您处理", false, &[a]),
        ("钉钉客服：请提供您收到的6位验证码以完成认证", false, &[a]),
        ("نحن فريق الدعم الفني، يرجى إرسال رمز التحقق الذي وصلك", false, &[a]),
        ("قم بتحميل AnyDesk حتى يتمكن المهندس من الوصول عن بعد", false, &[a]),
        ("Customer service here: please share your screen so we can check the settings", false, &[a]),
        // (b) paid upgrade / fee / transfer
        ("DingTalk notice: your enterprise account requires an upgrade. Pay the upgrade fee of HK$1,500 via FPS today.", false, &[b]),
        ("釘釘企業帳戶需要升級，請繳付升級費用HK$1,500至以下轉數快帳戶。", false, &[b]),
        ("钉钉企业版升级需支付费用2000元，请转账到以下银行账户", false, &[b]),
        ("يجب ترقية حساب المؤسسة في DingTalk، يرجى دفع رسوم الترقية 1500 دولار عبر FPS", false, &[b]),
        // (c) freeze threat with urgency
        ("Your DingTalk account will be frozen within 24 hours. Call us immediately to avoid suspension.", false, &[c]),
        ("【釘釘】您的帳戶將於24小時內被凍結，請立即致電處理。", false, &[c]),
        ("您的钉钉账号因异常将被冻结，请马上联系客服", false, &[c]),
        ("سيتم تجميد حسابك في DingTalk خلال 24 ساعة، اتصل بنا فورا", false, &[c]),
        // (d) presented as platform support
        ("DingTalk customer service hotline: 3001 2345", true, &[d]),
        ("釘釘客服熱線 3001 2345", true, &[d]),
        ("钉钉客服电话 3001 2345", true, &[d]),
        ("DingTalk客服熱線：3001 2345", true, &[d]),
        ("請聯絡DingTalk官方客服 +852 3001 2345", true, &[d]),
        ("خدمة عملاء DingTalk على الرقم 30012345", true, &[d]),
        // Combined: freeze threat + a support number.
        ("釘釘客服熱線3001 2345：您的帳戶將於24小時內凍結，請立即致電。", true, &[c, d]),
    ];
    for (t, has_phone, want) in cases {
        assert_eq!(scripts(t, *has_phone), *want, "{t}");
    }
}

#[test]
fn ordinary_messages_raise_nothing() {
    let cases: &[(&str, bool)] = &[
        ("Your DingTalk verification code is 482913. Do not share it with anyone.", false),
        ("[DingTalk] Verification code 482913, valid for 5 minutes. Never tell anyone this code.", false),
        ("DingTalk staff will never ask for your code.", false),
        ("【釘釘】驗證碼：482913，5分鐘內有效，請勿將驗證碼告訴任何人。", false),
        ("【钉钉】验证码482913，切勿泄露给他人。", false),
        ("رمز التحقق الخاص بك في DingTalk هو 482913. لا تشارك هذا الرمز مع أي شخص.", false),
        ("Can you share your screen in the Teams meeting at 3pm?", false),
        ("Lunch? Please transfer me $50 via FPS later", false),
        ("Your payment of HK$200 to Wellcome was successful.", false),
        ("Your renewal payment of HK$1,200 was received. Thank you.", false),
        ("The office will be closed today for the typhoon.", false),
        ("The lake is frozen today, let's go skating!", false),
        ("Please call me at 9123 4567 when you arrive.", true),
        ("明天開會，記得帶文件。", false),
        ("今天下午三点开会，请准时参加。", false),
        ("مرحبا، هل يمكننا الاجتماع غدا؟", false),
        ("To contact DingTalk support, open My > Help & Feedback > Contact Support in the app.", false),
        ("釘釘客服只可以喺App入面「我的 > 幫助與反饋」聯絡。", false),
    ];
    for (t, has_phone) in cases {
        assert_eq!(scripts(t, *has_phone), Vec::<&str>::new(), "{t}");
    }
}

#[test]
fn remote_flag() {
    let hits = detect_scripts(
        "Please download AnyDesk now",
        false,
        &OfficialDirectory::dingtalk_default(),
    );
    assert!(hits.first().is_some_and(|h| h.remote_access));
}

#[test]
fn extracts_numbers_disguised_with_letters() {
    let cases: &[(&str, &[&str])] = &[
        (
            "DingTalk customer service hotline 6l45 8802, call now",
            &["6l45 8802"],
        ),
        ("Call +852 5O88 l234 today", &["+852 5O88 l234"]),
        ("釘釘客服熱線：6l45 88O2，請立即致電", &["6l45 88O2"]),
        (
            "钉钉客服电话９ｌ２３４５６７请尽快联系",
            &["９ｌ２３４５６７"],
        ),
        ("اتصل بخدمة العملاء على ٩ا٢٣ ٤٥٦٧ الآن", &["٩ا٢٣ ٤٥٦٧"]),
        // An ordinary number and a disguised one, in order; a repeat is one item.
        (
            "Call 2123 4567 or 9l23 4567 (or 91234567)",
            &["2123 4567", "9l23 4567"],
        ),
    ];
    for (t, want) in cases {
        assert_eq!(phones(t), *want, "{t}");
    }
}

#[test]
fn ordinary_words_and_codes_are_not_disguised_numbers() {
    for t in [
        "Hello, OIL prices are up lol",
        "I will call 9123 4567 tomorrow, lol",
        "Meeting on 2O25-03-14 at 1O:30",
        "Order 1O234567 has shipped",
        "Order No. SO12345678 has shipped",
        "Your OTP: 9l234567",
        "訂單編號 8888 6l66 已發貨",
        "Pay HK$ 9l234567 now",
        "Ref A9l234567 and id 9l234567x",
        "see http://example.com/9l23-4567 and a@9l234567.com",
        "您好，請問今天下午三點開會嗎？",
        "مرحبا، كيف حالك اليوم؟",
    ] {
        let found = phones(t);
        assert!(
            found.iter().all(|p| !p.chars().any(char::is_alphabetic)),
            "{t}: {found:?}"
        );
    }
}
