//! The `keyhound` binary: parse the command line, call the library, map the
//! outcome to an exit code (0 clean, 1 findings, 2 error).

mod cli;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;

use cli::{Cli, ColorChoice, Command, DirArgs, ListFormat, RuleArgs, RulesCommand, ScanArgs, StdinArgs};
use keyhound::engine::Scanner;
use keyhound::policy::{Config, Policy, CONFIG_FILE};
use keyhound::report::{self, Format, ReportOptions};
use keyhound::rules::{self, Rule, Selection};
use keyhound::scan::Scan;
use keyhound::sources::{dir, stdin};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() { 2 } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("keyhound: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Dir(args) => run_dir(args),
        Command::Stdin(args) => run_stdin(args),
        Command::Rules(RulesCommand::List { rules, format }) => list_rules(&rules, format),
        Command::Rules(RulesCommand::Test { rules }) => test_rules(&rules),
    }
}

/// Everything a scan command sets up before its source runs.
struct Prepared {
    scanner: Scanner,
    policy: Policy,
}

/// Loads config, rules and policy for a scan rooted at `root`.
fn prepare(scan: &ScanArgs, root: Option<&Path>) -> Result<Prepared> {
    let config = Config::discover(scan.config.as_deref(), root)?;
    let config_path = scan
        .config
        .clone()
        .unwrap_or_else(|| root.unwrap_or(Path::new(".")).join(CONFIG_FILE));
    let mut packs = scan.rules.rules.clone();
    packs.extend(config.rules.iter().cloned());
    let selection = Selection {
        enable: scan
            .rules
            .enable_rule
            .iter()
            .chain(&config.enable_rules)
            .cloned()
            .collect(),
        disable: scan
            .rules
            .disable_rule
            .iter()
            .chain(&config.disable_rules)
            .cloned()
            .collect(),
    };
    let rules = selection.apply(rules::load_all(&packs)?)?;
    let scanner = Scanner::new(rules.into_iter().map(Arc::new).collect())?;
    let policy = Policy::from_config(&config, &config_path)?;
    Ok(Prepared { scanner, policy })
}

fn open_output(scan: &ScanArgs) -> Result<Box<dyn Write + Send>> {
    Ok(match &scan.output {
        Some(path) => {
            let file = std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            Box::new(std::io::BufWriter::new(file))
        }
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    })
}

fn use_color(scan: &ScanArgs) -> bool {
    match scan.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            scan.output.is_none() && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    }
}

/// A progress bar on stderr that only appears if the scan takes more than
/// half a second, and never when stderr is not a terminal or with `--quiet`.
fn progress_bar(quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden());
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {bytes} scanned ({bytes_per_sec}) {elapsed}")
    {
        bar.set_style(style);
    }
    let delayed = bar.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        if !delayed.is_finished() {
            delayed.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(8));
            delayed.enable_steady_tick(Duration::from_millis(125));
        }
    });
    Some(bar)
}

/// Runs `source` as a scan with the chosen reporter; returns the exit code.
fn execute(
    args: &ScanArgs,
    prepared: &Prepared,
    base_dir: Option<PathBuf>,
    source: impl FnOnce(&Scan<'_>) -> Result<()>,
) -> Result<u8> {
    if let Some(n) = args.threads {
        // Only fails if a pool already exists, which is fine to ignore.
        let _ = rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global();
    }
    let options = ReportOptions {
        show_secrets: args.show_secrets,
        color: use_color(args),
        base_dir,
        rules: prepared.scanner.rules().to_vec(),
    };
    let sink = report::make_sink(args.format, open_output(args)?, options);
    let quiet = args.quiet;
    let mut scan = Scan::new(&prepared.scanner, &prepared.policy, sink.as_ref(), args.show_secrets).with_warning_hook(
        Box::new(move |w| {
            if !quiet {
                eprintln!("keyhound: warning: {w}");
            }
        }),
    );
    if let Some(bar) = progress_bar(quiet) {
        scan = scan.with_progress(bar);
    }
    source(&scan)?;
    let summary = scan.finish().context("writing the report")?;
    if !quiet && args.format != Format::Text {
        let verdict = if summary.findings == 0 {
            "no secrets found".to_string()
        } else {
            format!("{} secret(s) found", summary.findings)
        };
        eprintln!("keyhound: {}", report::text::summary_line(&summary, &verdict));
    }
    Ok(if summary.findings > 0 { 1 } else { 0 })
}

fn run_dir(args: DirArgs) -> Result<u8> {
    let first = args.paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let root = if first.is_dir() {
        first.clone()
    } else {
        first.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let root = if root.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        root
    };
    let prepared = prepare(&args.scan, Some(&root))?;
    let base_dir = std::fs::canonicalize(&root).ok();
    let options = dir::DirOptions {
        roots: args.paths.clone(),
        no_ignore: args.no_ignore,
        follow_symlinks: args.follow_symlinks,
        max_file_size: args.max_file_size,
        threads: args.scan.threads.unwrap_or(0),
    };
    execute(&args.scan, &prepared, base_dir, |scan| {
        Ok(dir::scan_dirs(scan, &options)?)
    })
}

fn run_stdin(args: StdinArgs) -> Result<u8> {
    let prepared = prepare(&args.scan, Some(Path::new(".")))?;
    let name = args.name.clone();
    execute(&args.scan, &prepared, std::env::current_dir().ok(), |scan| {
        Ok(stdin::scan_reader(scan, std::io::stdin().lock(), &name)?)
    })
}

fn load_for_listing(args: &RuleArgs) -> Result<Vec<Rule>> {
    let selection = Selection {
        enable: args.enable_rule.clone(),
        disable: args.disable_rule.clone(),
    };
    let mut all = rules::builtin()?;
    for path in &args.rules {
        all.extend(rules::parse_path(path)?);
    }
    rules::check_unique(&all)?;
    Ok(selection.apply(all)?)
}

fn list_rules(args: &RuleArgs, format: ListFormat) -> Result<u8> {
    let rules = load_for_listing(args)?;
    let mut out = std::io::stdout().lock();
    match format {
        ListFormat::Json => {
            let specs: Vec<serde_json::Value> = rules
                .iter()
                .map(|r| {
                    let mut v = serde_json::to_value(&r.spec).unwrap_or_default();
                    if let Some(obj) = v.as_object_mut() {
                        obj.insert("source".into(), r.source.clone().into());
                        obj.remove("examples");
                    }
                    v
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &specs)?;
            writeln!(out)?;
        }
        ListFormat::Text => {
            let width = rules.iter().map(|r| r.id().len()).max().unwrap_or(0);
            for r in &rules {
                writeln!(
                    out,
                    "{:width$}  {:8}  {}",
                    r.id(),
                    r.spec.severity.as_str(),
                    r.spec.name
                )?;
            }
            writeln!(out, "{} rules", rules.len())?;
        }
    }
    Ok(0)
}

fn test_rules(args: &RuleArgs) -> Result<u8> {
    let rules = load_for_listing(args)?;
    let mut failures = 0usize;
    let mut examples = 0usize;
    for rule in &rules {
        examples += rule.spec.examples.positive.len() + rule.spec.examples.negative.len();
        if let Err(err) = rule.compile_all() {
            println!("FAIL {err}");
            failures += 1;
            continue;
        }
        for failure in rules::testing::test_rule(rule) {
            println!("FAIL {}: rule `{}`: {failure}", rule.source, rule.id());
            failures += 1;
        }
    }
    if failures > 0 {
        println!("{failures} failure(s) in {} rules ({examples} examples)", rules.len());
        Ok(1)
    } else {
        println!("all {examples} examples of {} rules passed", rules.len());
        Ok(0)
    }
}
