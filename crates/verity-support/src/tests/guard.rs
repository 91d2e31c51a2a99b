//! Guard rails, each language with messages that ask and messages that do not.

use crate::guard::{assess, GuardCode};
use GuardCode::{
    AsksForCode as Code, AsksForPassword as Pw, AsksForPayment as Pay,
    AsksForRemoteAccess as Remote,
};

fn check(cases: &[(&str, &[GuardCode])]) {
    for (text, want) in cases {
        assert_eq!(assess(text), *want, "{text}");
    }
}

#[test]
fn english() {
    check(&[
        (
            "Please tell me the verification code we just sent you.",
            &[Code],
        ),
        ("What's the 6-digit code on your screen?", &[Code]),
        ("To confirm it's you, type your password here.", &[Pw]),
        ("Please pay the HK$300 activation fee now via FPS.", &[Pay]),
        ("Download AnyDesk and give me the ID it shows.", &[Remote]),
        ("Let me connect with TeamViewer so I can fix it.", &[Remote]),
        (
            "Please open RustDesk and read me the code.",
            &[Code, Remote],
        ),
        (
            "Never share your verification code with anyone, including us.",
            &[],
        ),
        ("Do not install AnyDesk if someone asks you to.", &[]),
        ("We will never ask you to pay a fee.", &[]),
        ("I reset your account; you can sign in again now.", &[]),
        ("Your ticket number is 4412. Anything else?", &[]),
    ]);
}

#[test]
fn traditional_chinese() {
    check(&[
        ("請告訴我你收到的驗證碼。", &[Code]),
        ("請提供你的密碼以便核實身份。", &[Pw]),
        ("請先支付手續費港幣300元。", &[Pay]),
        ("請下載AnyDesk，然後告訴我連接碼。", &[Remote]),
        ("請勿告訴任何人你的驗證碼。", &[]),
        ("我們不會要求你付款或安裝任何軟件。", &[]),
        ("你的帳戶已經解鎖，請重新登入。", &[]),
    ]);
}

#[test]
fn simplified_chinese() {
    check(&[
        ("请告诉我你收到的验证码。", &[Code]),
        ("请输入你的登录密码给我核对。", &[Pw]),
        ("请马上转账5000元到这个账户。", &[Pay]),
        ("请安装向日葵远程控制软件。", &[Remote]),
        ("请打开ToDesk并告诉我设备代码。", &[Remote]),
        ("不要把验证码告诉任何人。", &[]),
        ("我们不需要你转账。", &[]),
        ("问题已经解决了，谢谢你的耐心。", &[]),
    ]);
}

#[test]
fn arabic() {
    check(&[
        ("ارسل لي رمز التحقق الذي وصلك.", &[Code]),
        ("اخبرني كلمة المرور الخاصة بك.", &[Pw]),
        ("يرجى دفع رسوم التفعيل الان.", &[Pay]),
        ("قم بتثبيت AnyDesk حتى اتمكن من الوصول عن بعد.", &[Remote]),
        ("لا تشارك رمز التحقق مع اي شخص.", &[]),
        ("لن نطلب منك الدفع ابدا.", &[]),
        ("تم حل المشكلة، شكرا لك.", &[]),
    ]);
}

#[test]
fn codes_are_snake_case() {
    assert_eq!(Code.as_str(), "asks_for_code");
    assert_eq!(Pw.as_str(), "asks_for_password");
    assert_eq!(Pay.as_str(), "asks_for_payment");
    assert_eq!(Remote.as_str(), "asks_for_remote_access");
}

proptest::proptest! {
    #[test]
    fn any_text_is_assessed_without_panic(text in "\\PC{0,300}") {
        let codes = assess(&text);
        proptest::prop_assert!(codes.windows(2).all(|w| w[0] < w[1]));
    }
}
