//! `verityctl check`: one verdict per input, as text or JSON (the command-line contract in
//! PRODUCT.md). Exit status 0 when nothing risky was found, 1 when any input is `scam` or
//! `suspicious`, 2 when an input could not be read as its kind (`invalid`) or on a usage error.

use crate::error::{CliError, EXIT_USAGE};
use serde::Serialize;
use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;
use verity_check::check::CheckOutcome;
use verity_check::verdict::{CheckKind, Verdict};
use verity_core::phone::Region;
use verity_core::text::text;
use verity_core::Language;

/// Largest input read from standard input (a pasted message), in bytes: the one limit of a check.
const MAX_STDIN: u64 = verity_flows::check::MAX_INPUT_BYTES as u64;

/// Arguments of `verityctl check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Print a JSON array (one object per input) instead of text.
    #[arg(long)]
    pub json: bool,
    /// What the inputs are; by default each input's kind is detected.
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// The language of messages and advice.
    #[arg(long, default_value = "en", value_parser = parse_lang)]
    pub lang: Language,
    /// How to read numbers written without a country code (ISO 3166 code); default: the
    /// region in the app's settings (Hong Kong unless changed).
    #[arg(long, value_parser = parse_region)]
    pub region: Option<Region>,
    /// Phone numbers, links or message texts; `-` reads one text from standard input.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
}

/// `--kind` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum KindArg {
    /// A phone number.
    Phone,
    /// A link.
    Url,
    /// A message text.
    Text,
}

impl From<KindArg> for CheckKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Phone => CheckKind::Phone,
            KindArg::Url => CheckKind::Url,
            KindArg::Text => CheckKind::Text,
        }
    }
}

pub(crate) fn parse_lang(s: &str) -> Result<Language, String> {
    s.parse()
        .map_err(|e: verity_core::SettingsError| e.to_string())
}

pub(crate) fn parse_region(s: &str) -> Result<Region, String> {
    s.parse::<Region>().map_err(|e| e.to_string())
}

#[derive(Debug, Serialize)]
struct Worded {
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

#[derive(Debug, Serialize)]
struct MatchOut {
    kind: &'static str,
    value: String,
    category: &'static str,
    campaign: Option<String>,
    source: Option<String>,
    added: String,
}

#[derive(Debug, Serialize)]
struct Out {
    input: String,
    kind: &'static str,
    normalized: Option<String>,
    verdict: &'static str,
    verdict_text: String,
    reasons: Vec<Worded>,
    matches: Vec<MatchOut>,
    advice: Vec<Worded>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    items: Vec<Out>,
}

fn word(o: &CheckOutcome, lang: Language) -> Out {
    Out {
        input: o.input.clone(),
        kind: o.kind.as_str(),
        normalized: o.normalized.clone(),
        verdict: o.verdict.as_str(),
        verdict_text: text(lang, &format!("verdict.{}", o.verdict.as_str())),
        reasons: o
            .reasons
            .iter()
            .map(|r| Worded {
                code: r.code.as_str(),
                message: text(lang, &format!("reason.{}", r.code.as_str())),
                detail: r.detail.clone(),
            })
            .collect(),
        matches: o
            .matches
            .iter()
            .map(|m| MatchOut {
                kind: m.kind.as_str(),
                value: m.value.clone(),
                category: m.category.as_str(),
                campaign: m.campaign.clone(),
                source: m.source.clone(),
                added: m.added.to_date(),
            })
            .collect(),
        advice: o
            .advice
            .iter()
            .map(|a| Worded {
                code: a.as_str(),
                message: text(lang, &format!("advice.{}", a.as_str())),
                detail: None,
            })
            .collect(),
        items: o.items.iter().map(|i| word(i, lang)).collect(),
    }
}

fn read_stdin() -> Result<String, CliError> {
    let mut buf = Vec::new();
    std::io::stdin()
        .take(MAX_STDIN + 1)
        .read_to_end(&mut buf)
        .map_err(|e| CliError::Usage(format!("cannot read standard input: {e}")))?;
    if buf.len() as u64 > MAX_STDIN {
        return Err(CliError::Usage(format!(
            "standard input is longer than {} KiB; check a shorter message",
            MAX_STDIN / 1024
        )));
    }
    String::from_utf8(buf)
        .map_err(|_| CliError::Usage("standard input is not UTF-8 text".to_owned()))
}

pub fn run(args: &CheckArgs, data_dir: &Path, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let mut store = verity_store::Store::open(data_dir)?;
    let inputs = args
        .inputs
        .iter()
        .map(|input| {
            if input == "-" {
                let kind = args.kind.map_or(CheckKind::Text, Into::into);
                read_stdin().map(|text| (text, Some(kind)))
            } else {
                Ok((input.clone(), args.kind.map(Into::into)))
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let outcomes = verity_flows::check::with_context(&mut store, args.region, |ctx| {
        inputs
            .iter()
            .map(|(input, kind)| verity_flows::check::check_in(input, *kind, ctx))
            .collect::<Result<Vec<CheckOutcome>, _>>()
    })?;
    let worded: Vec<Out> = outcomes.iter().map(|o| word(o, args.lang)).collect();
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &worded)?;
        writeln!(out)?;
    } else {
        for (i, o) in worded.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            print_text(out, o, "")?;
        }
    }
    let risky = outcomes.iter().any(|o| o.verdict.is_risky());
    let invalid = outcomes.iter().any(|o| o.verdict == Verdict::Invalid);
    Ok(if risky {
        ExitCode::from(1)
    } else if invalid {
        ExitCode::from(EXIT_USAGE)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_text(out: &mut dyn Write, o: &Out, indent: &str) -> Result<(), CliError> {
    let shown = if o.input.chars().count() > 60 {
        format!(
            "{}…",
            o.input
                .chars()
                .take(60)
                .collect::<String>()
                .replace('\n', " ")
        )
    } else {
        o.input.replace('\n', " ")
    };
    writeln!(out, "{indent}{shown}: {} [{}]", o.verdict_text, o.verdict)?;
    if let Some(n) = &o.normalized {
        writeln!(out, "{indent}  normalized: {n}")?;
    }
    for r in &o.reasons {
        match &r.detail {
            Some(d) => writeln!(out, "{indent}  - {} ({d})", r.message)?,
            None => writeln!(out, "{indent}  - {}", r.message)?,
        }
    }
    for m in &o.matches {
        let mut line = format!("{indent}  listed: {} {} · {}", m.kind, m.value, m.category);
        if let Some(c) = &m.campaign {
            line.push_str(&format!(" · campaign: {c}"));
        }
        if let Some(s) = &m.source {
            line.push_str(&format!(" · source: {s}"));
        }
        line.push_str(&format!(" · added {}", m.added));
        writeln!(out, "{line}")?;
    }
    for item in &o.items {
        print_text(out, item, &format!("{indent}    "))?;
    }
    if !o.advice.is_empty() && indent.is_empty() {
        writeln!(out, "  what to do:")?;
        for a in &o.advice {
            writeln!(out, "  * {}", a.message)?;
        }
    }
    Ok(())
}
