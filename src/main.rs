//! The `keyhound` binary: parse the command line, wire the workspace's
//! crates together, map the outcome to an exit code (0 clean, 1 findings,
//! 2 error). ARCHITECTURE.md at the repository root maps the crates.

mod agent_hook_command;
mod aws_profile;
mod cli;
mod collect;
mod docs_command;
mod exposure_command;
mod hook_installer;
mod hosting_command;
mod mapped_files;
mod mcp_command;
mod migrate_command;
mod objects_command;
mod redact_command;
mod remote_git;
mod report_command;
mod revoke_command;
mod validate_command;

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::Parser;

use cli::{
    AllowArgs, BaselineCommand, BaselineSource, Cli, ColorChoice, Command, DirArgs, FailOn, GitArgs, HookCommand,
    ImageArgs, ListFormat, RuleArgs, RulesCommand, ScanArgs, StdinArgs,
};
use hook_installer::Existing;
use keyhound_engine::Scanner;
use keyhound_findings::baseline::{Baseline, Entry, BASELINE_FILE};
use keyhound_findings::time::now_rfc3339;
use keyhound_findings::{Sink, VerifyStats, WarningKind};
use keyhound_report::hook_message::HookSink;
use keyhound_report::inventory::{InventoryFormat, InventorySink};
use keyhound_report::{self as report, Format, ReportOptions, VcsInfo};
use keyhound_rules::{self as rules, Rule, Selection};
use keyhound_scan::policy::{Config, Policy, CONFIG_FILE};
use keyhound_scan::{packs, ScanRun};
use keyhound_sources::archive::ArchiveLimits;
use keyhound_sources::git::{self, cache::BlobCache, history, range, staged};
use keyhound_sources::registry::{ImageReference, RegistryClient, RegistryOptions};
use keyhound_sources::{dir, image, stdin};
use keyhound_verify::run::Verifier;
use keyhound_verify::sink::VerifyingSink;

fn main() -> ExitCode {
    let cli = match Cli::try_parse_from(objects_command::expand_shorthand(std::env::args_os().collect())) {
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

/// Whether a scan reports findings or writes a baseline of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Report,
    CreateBaseline,
    /// One row per secret, flagging those exposed longer than this many days.
    Inventory(i64),
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Dir(args) => run_dir(args, Mode::Report),
        Command::Stdin(args) => run_stdin(args, Mode::Report),
        Command::Git(args) => run_git(args, Mode::Report),
        Command::Image(args) => run_image(args, Mode::Report),
        Command::Objects(args) => run_objects(args, Mode::Report),
        Command::Github(args) => run_hosting(keyhound_hosting::Platform::GitHub, args, Mode::Report),
        Command::Gitlab(args) => run_hosting(keyhound_hosting::Platform::GitLab, args, Mode::Report),
        Command::Bitbucket(args) => run_hosting(keyhound_hosting::Platform::Bitbucket, args, Mode::Report),
        Command::Gitea(args) => run_hosting(keyhound_hosting::Platform::Gitea, args, Mode::Report),
        Command::Rules(RulesCommand::List { rules, format, stats }) => match stats {
            true => rules_stats(&rules, format),
            false => list_rules(&rules, format),
        },
        Command::Rules(RulesCommand::Test { rules, no_builtin }) => test_rules(&rules, !no_builtin),
        Command::Hook(command) => run_hook(command),
        Command::Allow(args) => run_allow(args),
        Command::Baseline(BaselineCommand::Create(source)) => run_source(source, Mode::CreateBaseline),
        Command::Baseline(BaselineCommand::Import(args)) => migrate_command::import(args),
        Command::Inventory(args) => run_source(args.source, Mode::Inventory((args.max_age.as_secs() / 86_400) as i64)),
        Command::Revoke(args) => revoke_command::run(args),
        Command::Validate(args) => validate_command::run(args),
        Command::Exposure(args) => exposure_command::run(args),
        Command::Redact(args) => redact_command::run(args),
        Command::Mcp(args) => mcp_command::run(args),
        Command::Migrate(args) => migrate_command::run(args),
        Command::Completions(args) => {
            docs_command::completions(args.shell, &mut std::io::stdout().lock())?;
            Ok(0)
        }
        Command::Man(args) => {
            docs_command::man(args.dir.as_deref(), &mut std::io::stdout().lock())?;
            Ok(0)
        }
        Command::Report(args) => report_command::run(args),
        Command::Access(mut args) => {
            args.access = true;
            validate_command::run(args)
        }
    }
}

fn run_source(source: BaselineSource, mode: Mode) -> Result<u8> {
    match source {
        BaselineSource::Dir(args) => run_dir(args, mode),
        BaselineSource::Git(args) => run_git(args, mode),
        BaselineSource::Stdin(args) => run_stdin(args, mode),
        BaselineSource::Image(args) => run_image(args, mode),
        BaselineSource::Objects(args) => run_objects(args, mode),
        BaselineSource::Github(args) => run_hosting(keyhound_hosting::Platform::GitHub, args, mode),
        BaselineSource::Gitlab(args) => run_hosting(keyhound_hosting::Platform::GitLab, args, mode),
        BaselineSource::Bitbucket(args) => run_hosting(keyhound_hosting::Platform::Bitbucket, args, mode),
        BaselineSource::Gitea(args) => run_hosting(keyhound_hosting::Platform::Gitea, args, mode),
    }
}

/// Everything a scan command sets up before its source runs.
struct Prepared {
    scanner: Scanner,
    policy: Policy,
    mode: Mode,
    /// `verify_overrides` from a trusted config file.
    verify_overrides: Vec<keyhound_verify::http::Override>,
    /// What an untrusted config file (one in the scanned tree) changed or
    /// tried to change; reported as warnings once the scan starts.
    config_notes: Vec<String>,
}

/// Whether a config file may change where verification sends secrets.
///
/// A config found in the scanned tree (or in the working directory, for
/// `stdin` and `image`) was written by whoever can commit there: a pull
/// request from a fork, one insider of an audited organisation. It may
/// exclude paths and pick rules (with a warning), but it must never send
/// found keys elsewhere. A file the user names with `--config` that lies
/// outside the scanned tree is the user's own; `--trust-config` trusts any.
fn config_trusted(scan: &ScanArgs, scanned_root: Option<&Path>) -> bool {
    if scan.trust_config {
        return true;
    }
    let Some(explicit) = &scan.config else {
        return false;
    };
    let Some(root) = scanned_root else {
        return true;
    };
    match (std::fs::canonicalize(explicit), std::fs::canonicalize(root)) {
        (Ok(file), Ok(root)) => !file.starts_with(root),
        _ => false,
    }
}

/// Drops the parts of a rule from an untrusted pack that send its secret
/// somewhere (its verifier, access map and revocation API); true if it
/// had any.
fn disarm(rule: &mut Rule) -> bool {
    let verify = rule.spec.verify.take();
    let access = rule.spec.access.take();
    let api = rule.spec.revoke.as_mut().and_then(|r| r.api.take());
    verify.is_some() || access.is_some() || api.is_some()
}

/// Loads config, rules, baseline and policy for a scan. `root` is where
/// the config and baseline are looked up; `scanned_root` is the tree being
/// scanned, if the command scans one (`dir`, `git`).
fn prepare(scan: &ScanArgs, root: &Path, scanned_root: Option<&Path>, mode: Mode) -> Result<Prepared> {
    let config = Config::discover(scan.config.as_deref(), Some(root))?;
    let config_path = scan.config.clone().unwrap_or_else(|| root.join(CONFIG_FILE));
    let trusted = config_trusted(scan, scanned_root);
    let mut config_notes = Vec::new();
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
    let mut all = packs::load_all(&scan.rules.rules)?;
    let mut disarmed = Vec::new();
    for pack in &config.rules {
        for rule in packs::load_path(pack)? {
            if trusted {
                all.push(rule);
                continue;
            }
            let mut rule = rule;
            if disarm(&mut rule) {
                disarmed.push(rule.id().to_string());
            }
            all.push(rule);
        }
    }
    rules::check_unique(&all)?;
    let rules = selection.apply(all)?;
    let scanner = Scanner::new(rules.into_iter().map(Arc::new).collect())?;
    // A baseline being created, or an inventory, records every finding, so
    // it accepts nothing.
    let mut config = config;
    if mode != Mode::Report {
        config.accept.clear();
    }
    let mut policy = Policy::from_config(&config, &config_path)?;
    if mode == Mode::Report {
        let baseline_path = scan.baseline.clone().unwrap_or_else(|| root.join(BASELINE_FILE));
        if scan.baseline.is_some() || baseline_path.is_file() {
            let baseline = Baseline::load(&baseline_path)?;
            policy.accept_baseline(&baseline, &baseline_path.display().to_string());
        }
    }
    let verify_overrides = config
        .verify_overrides
        .iter()
        .map(|o| {
            o.parse()
                .map_err(|e: String| anyhow::anyhow!("{}: verify_overrides: {e}", config_path.display()))
        })
        .collect::<Result<Vec<_>>>()?;
    let verify_overrides = if trusted {
        verify_overrides
    } else {
        if !verify_overrides.is_empty() {
            config_notes.push(format!(
                "{}: verify_overrides ignored: this config is in the scanned tree, so anyone who can commit there could \
                 redirect found keys; give the override with --verify-override, or pass --trust-config",
                config_path.display()
            ));
        }
        if !disarmed.is_empty() {
            config_notes.push(format!(
                "{}: verifiers and revocation APIs of rule(s) {} ignored: their pack comes from a config in the \
                 scanned tree; pass the pack with --rules, or pass --trust-config",
                config_path.display(),
                disarmed.join(", ")
            ));
        }
        Vec::new()
    };
    if !trusted && config_path.is_file() {
        let changes = untrusted_changes(&config);
        if !changes.is_empty() {
            config_notes.push(format!(
                "{}: the scanned tree's config {}",
                config_path.display(),
                changes.join(", ")
            ));
        }
    }
    Ok(Prepared {
        scanner,
        policy,
        mode,
        verify_overrides,
        config_notes,
    })
}

/// What a config changes about the scan itself (rule selection,
/// exclusions, accepted findings), in words for a warning.
fn untrusted_changes(config: &Config) -> Vec<String> {
    let mut changes = Vec::new();
    let n = |count: usize, what: &str| format!("{count} {what}{}", if count == 1 { "" } else { "s" });
    if !config.exclude_paths.is_empty() {
        changes.push(format!("excludes {}", n(config.exclude_paths.len(), "path pattern")));
    }
    if !config.exclude_path_patterns.is_empty() {
        let count = config.exclude_path_patterns.len();
        changes.push(format!(
            "excludes paths matching {count} {}",
            if count == 1 { "regex" } else { "regexes" }
        ));
    }
    let allow = &config.allow;
    let allowed = allow.secrets.len() + allow.lines.len() + allow.stopwords.len() + allow.commits.len();
    if allowed > 0 {
        changes.push(format!(
            "allows findings by {allowed} [allow] {} (secrets, lines, stopwords, commits)",
            if allowed == 1 { "entry" } else { "entries" }
        ));
    }
    if !config.disable_rules.is_empty() {
        changes.push(format!("disables rule(s) {}", config.disable_rules.join(", ")));
    }
    if !config.enable_rules.is_empty() {
        changes.push(format!("enables rule(s) {}", config.enable_rules.join(", ")));
    }
    if !config.rules.is_empty() {
        changes.push(format!("adds {}", n(config.rules.len(), "rule pack")));
    }
    if !config.accept.is_empty() {
        changes.push(format!("accepts {}", n(config.accept.len(), "fingerprint")));
    }
    changes
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

fn use_color(scan: &ScanArgs, terminal: bool) -> bool {
    match scan.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && std::env::var_os("NO_COLOR").is_none(),
    }
}

/// A progress bar on stderr that only appears if the scan takes more than
/// half a second (`KEYHOUND_PROGRESS_DELAY_MS` changes that, for tests and
/// screen recordings), and never when stderr is not a terminal or with
/// `--quiet`. Long work (history, images) names its phases on it.
fn progress_bar(quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden());
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {bytes} scanned ({bytes_per_sec}) {elapsed}")
    {
        bar.set_style(style);
    }
    let delay = std::env::var("KEYHOUND_PROGRESS_DELAY_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(500);
    let show = |bar: &indicatif::ProgressBar| {
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(8));
        bar.enable_steady_tick(Duration::from_millis(125));
    };
    if delay == 0 {
        show(&bar);
    } else {
        let delayed = bar.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(delay));
            if !delayed.is_finished() {
                show(&delayed);
            }
        });
    }
    Some(bar)
}

/// A terminal line for the verification pass (`verifying 120/200 · GitHub
/// 100/150 …`), shown only on a terminal and never under `--quiet`.
fn verify_progress_bar(quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    // Hidden until the first secret is asked about (after the scan's own bar).
    let bar = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden());
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} verifying {msg} {elapsed}") {
        bar.set_style(style);
    }
    Some(bar)
}

/// Who `allow` and `baseline create` attribute entries to: git's author
/// identity (config and `GIT_AUTHOR_*`), else the login name.
fn author_of(repo: Option<&gix::Repository>) -> Option<String> {
    let from_git = repo
        .and_then(|r| r.author())
        .and_then(|sig| sig.ok())
        .map(|sig| format!("{} <{}>", sig.name, sig.email));
    from_git.or_else(|| std::env::var("USER").ok())
}

/// How a scan's report is produced.
#[derive(Default)]
struct Reporting {
    base_dir: Option<PathBuf>,
    vcs: Option<VcsInfo>,
    author: Option<String>,
    /// A multi-repository audit's SARIF directory and its repositories
    /// (name → URL): one SARIF file each beside the whole report.
    per_repository_sarif: Option<(PathBuf, std::collections::BTreeMap<String, String>)>,
}

impl Reporting {
    /// For an input outside any working tree (an image, a bucket): paths
    /// are not made relative to a directory and no repository is named;
    /// the report's author is the user's git identity.
    fn detached() -> Reporting {
        Reporting {
            author: author_of(None),
            ..Reporting::default()
        }
    }
}

fn make_sink(args: &ScanArgs, prepared: &Prepared, reporting: Reporting) -> Result<Box<dyn Sink>> {
    let stdout_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let options = ReportOptions {
        show_secrets: args.show_secrets,
        color: use_color(args, stdout_terminal),
        base_dir: reporting.base_dir,
        rules: prepared.scanner.rules().to_vec(),
        vcs: reporting.vcs,
        author: reporting.author,
        sort: args.sort,
        all_locations: args.all_locations,
    };
    if prepared.mode == Mode::CreateBaseline {
        return Ok(report::make_sink(Format::Baseline, open_output(args)?, options));
    }
    let html = args.format == Format::Html && args.hook.is_none();
    if html && matches!(prepared.mode, Mode::Report | Mode::Inventory(_)) {
        // The audit report is one page for both: it shows every finding and
        // groups them by secret. It carries the revocation plan.
        let planner = report_command::planner(prepared.scanner.rules().to_vec());
        return Ok(Box::new(
            report::html::HtmlSink::new(open_output(args)?, options).with_planner(planner),
        ));
    }
    if let Mode::Inventory(max_age_days) = prepared.mode {
        let format = match args.format {
            Format::Text => InventoryFormat::Table,
            Format::Json => InventoryFormat::Json,
            Format::Jsonl => InventoryFormat::Jsonl,
            Format::Csv => InventoryFormat::Csv,
            other => {
                let name = format!("{other:?}").to_lowercase();
                bail!(
                    "inventory writes text, json, jsonl, csv or html, not {name}: an inventory lists secrets, \
                     {name} reports findings (scan with `keyhound dir`, `git`, … -f {name})"
                )
            }
        };
        return Ok(Box::new(InventorySink::new(
            open_output(args)?,
            prepared.scanner.rules(),
            format,
            max_age_days,
            args.show_secrets,
        )));
    }
    if let Some(kind) = args.hook {
        let options = ReportOptions {
            color: use_color(args, std::io::stderr().is_terminal()),
            ..options
        };
        return Ok(Box::new(HookSink::new(Box::new(std::io::stderr()), options, kind)));
    }
    let per_repository = reporting.per_repository_sarif.map(|dir| (dir, options.clone()));
    let sink = report::make_sink(args.format, open_output(args)?, options);
    Ok(match per_repository {
        Some(((dir, repositories), options)) => Box::new(report::per_repository::PerRepositorySarif::new(
            sink,
            dir,
            ReportOptions {
                color: false,
                ..options
            },
            repositories,
        )),
        None => sink,
    })
}

/// Runs `source` as a scan with the chosen reporter; returns the exit code.
fn execute(
    args: &ScanArgs,
    prepared: &Prepared,
    reporting: Reporting,
    source: impl FnOnce(&ScanRun<'_>) -> Result<()>,
) -> Result<u8> {
    if let Some(n) = args.threads {
        // Only fails if a pool already exists, which is fine to ignore.
        let _ = rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global();
    }
    let quiet = args.quiet || args.hook.is_some();
    let verbose = args.verbose && !quiet;
    if !args.verify.enabled() {
        if args.verify.fail_on == FailOn::Live {
            bail!("--fail-on live needs --verify");
        }
        if args.verify.only_verified {
            bail!("--only-verified needs --verify");
        }
        if !args.verify.knobs.verify_override.is_empty() || args.verify.knobs.verify_cache.is_some() {
            bail!("--verify-override and --verify-cache need --verify");
        }
    }
    let mut sink = make_sink(args, prepared, reporting)?;
    let verify_stats = Arc::new(Mutex::new(VerifyStats::default()));
    let mut verify_specs = None;
    if args.verify.enabled() && prepared.mode != Mode::CreateBaseline {
        let mut options = args.verify.knobs.options()?;
        options.access = args.verify.access;
        // Command-line overrides come first, so they win over the config's.
        options.http.overrides.extend(prepared.verify_overrides.iter().cloned());
        let (mut verifier, warnings) = Verifier::new(&options, prepared.scanner.rules());
        for w in warnings {
            eprintln!("keyhound: warning: {w}");
        }
        if let Some(bar) = verify_progress_bar(quiet) {
            verifier = verifier.with_progress(Box::new(move |p| {
                if bar.is_hidden() && p.done < p.total {
                    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(4));
                    bar.enable_steady_tick(Duration::from_millis(250));
                }
                bar.set_message(p.line());
                if p.done == p.total {
                    bar.finish_and_clear();
                }
            }));
        }
        verify_specs = Some(Arc::clone(verifier.specs()));
        sink = Box::new(VerifyingSink::new(
            sink,
            verifier,
            prepared.scanner.rules(),
            args.verify.only_verified,
            Arc::clone(&verify_stats),
        ));
    }
    let interrupted = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = Arc::clone(&interrupted);
    // First Ctrl-C (or SIGTERM, SIGHUP): stop reading, report what was
    // found, marked incomplete; the second quits at once. (Fails only if a
    // handler exists already, which is fine to ignore.)
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, std::sync::atomic::Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!("\nkeyhound: interrupted: reporting what was scanned so far (Ctrl-C again to quit at once)");
    });
    let mut scan = ScanRun::new(&prepared.scanner, &prepared.policy, sink.as_ref(), args.show_secrets)
        .with_cancel(Arc::clone(&interrupted))
        .with_warning_hook(Box::new(move |w| {
            if verbose {
                eprintln!("keyhound: warning: [{}] {w}", w.kind);
            }
        }));
    if args.report_unused_ignores {
        scan = scan.with_allowance_tracking();
    }
    // A --show-secrets report also records the values found beside each
    // secret (an org host), which `keyhound revoke` needs.
    if verify_specs.is_none() && args.show_secrets {
        verify_specs = Some(Arc::new(keyhound_verify::spec::RuleSpecs::new(
            prepared.scanner.rules(),
        )));
    }
    if let Some(specs) = verify_specs {
        scan = scan.with_verify_values(specs);
    }
    if let Some(bar) = progress_bar(quiet) {
        scan = scan.with_progress(bar);
    }
    for note in &prepared.config_notes {
        scan.warn(WarningKind::Config, None, note);
    }
    mapped_files::guard();
    source(&scan)?;
    let zeroed = mapped_files::zeroed_pages();
    if zeroed > 0 {
        scan.warn(
            WarningKind::Git,
            None,
            format!(
                "{zeroed} page(s) of git's pack or index files were cut short by another process while read; \
                 the objects there are reported as unreadable, rescan when the repository is settled"
            ),
        );
    }
    let mut summary = scan.finish().context("writing the report")?;
    if !quiet && !verbose {
        for line in warning_summary_lines(&summary) {
            eprintln!("keyhound: warning: {line}");
        }
    }
    if args.report_unused_ignores {
        report_unused(&scan, &prepared.policy);
    }
    let verified = args.verify.enabled() && prepared.mode != Mode::CreateBaseline;
    let stats = verify_stats.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if verified {
        summary.findings = stats.reported as u64;
    }
    let text_on_stdout = args.format == Format::Text && prepared.mode != Mode::CreateBaseline && args.hook.is_none();
    if !quiet && !text_on_stdout {
        let verdict = if summary.findings == 0 {
            "no secrets found".to_string()
        } else {
            format!("{} secret(s) found", summary.findings)
        };
        eprintln!("keyhound: {}", report::text::summary_line(&summary, &verdict));
    }
    if verified && !quiet {
        eprintln!("keyhound: {}", report::text::verify_line(&stats));
    }
    if interrupted.load(std::sync::atomic::Ordering::SeqCst) {
        eprintln!("keyhound: the scan was interrupted: the report covers only what was read before it stopped");
        return Ok(130);
    }
    let failing = match args.verify.fail_on {
        FailOn::Any => summary.findings > 0,
        FailOn::Live => stats.live_findings > 0,
    };
    Ok(if failing && prepared.mode == Mode::Report { 1 } else { 0 })
}

/// Each kind of warning once: a single warning as it is, several as a
/// count with the first few (`--verbose` and JSON output have them all), so
/// a nested-archive bomb is one line, not hundreds.
fn warning_summary_lines(summary: &keyhound_findings::Summary) -> Vec<String> {
    summary
        .warnings_by_kind()
        .into_iter()
        .map(|group| match group.first.as_slice() {
            [only] if group.count == 1 => only.to_string(),
            first => {
                let examples: Vec<String> = first.iter().map(ToString::to_string).collect();
                let more = if group.count as usize > first.len() {
                    "; …"
                } else {
                    ""
                };
                format!(
                    "{} {} warnings (all with --verbose or -f json): {}{more}",
                    group.count,
                    group.kind,
                    examples.join("; ")
                )
            }
        })
        .collect()
}

/// Prints allowances that matched nothing, so stale exceptions get removed.
fn report_unused(scan: &ScanRun<'_>, policy: &Policy) {
    let used = scan.used_accepts();
    let mut unused: Vec<String> = policy
        .accepted_fingerprints()
        .filter(|(fp, _)| !used.contains(*fp))
        .map(|(fp, why)| {
            format!(
                "accepted fingerprint {fp} ({}) matched nothing",
                why.unwrap_or("config")
            )
        })
        .collect();
    unused.sort();
    unused.extend(
        scan.unused_inline_allows()
            .into_iter()
            .map(|at| format!("{at}: keyhound:allow comment suppresses nothing")),
    );
    if unused.is_empty() {
        eprintln!("keyhound: every allowance was used");
    }
    for line in unused {
        eprintln!("keyhound: unused: {line}");
    }
}

fn run_dir(args: DirArgs, mode: Mode) -> Result<u8> {
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
    let prepared = prepare(&args.scan, &root, Some(&root), mode)?;
    let options = dir::DirOptions {
        roots: args.paths.clone(),
        no_ignore: args.no_ignore,
        follow_symlinks: args.follow_symlinks,
        max_file_size: args.max_file_size,
        threads: args.scan.threads.unwrap_or(0),
        archives: args.archives.limits(args.max_file_size),
    };
    let repo = git::open(&root).ok();
    let reporting = Reporting {
        base_dir: std::fs::canonicalize(&root).ok(),
        vcs: None,
        author: author_of(repo.as_ref()),
        per_repository_sarif: None,
    };
    execute(&args.scan, &prepared, reporting, |scan| {
        Ok(dir::scan_dirs(scan, &options)?)
    })
}

fn run_stdin(args: StdinArgs, mode: Mode) -> Result<u8> {
    let prepared = prepare(&args.scan, Path::new("."), None, mode)?;
    let name = args.name.clone();
    let reporting = Reporting {
        base_dir: std::env::current_dir().ok(),
        vcs: None,
        author: author_of(None),
        per_repository_sarif: None,
    };
    execute(&args.scan, &prepared, reporting, |scan| {
        Ok(stdin::scan_reader(scan, std::io::stdin().lock(), &name)?)
    })
}

fn run_image(args: ImageArgs, mode: Mode) -> Result<u8> {
    let prepared = prepare(&args.scan, Path::new("."), None, mode)?;
    let options = image::ImageOptions {
        platform: args.platform.clone(),
        limits: args
            .archives
            .limits(args.max_file_size)
            .unwrap_or_else(|| ArchiveLimits {
                max_depth: 0,
                max_member_size: args.max_file_size,
                ..ArchiveLimits::default()
            }),
    };
    let reporting = Reporting::detached();
    let quiet = args.scan.quiet;
    let source = args.source.clone();
    let remote = if source.exists() {
        None
    } else {
        ImageReference::parse(&source.to_string_lossy())
    };
    if !source.exists() && remote.is_none() {
        bail!("{}: no such file, directory or registry reference", source.display());
    }
    let registry_options = RegistryOptions {
        insecure: args.insecure_registry,
        username: args.registry_username.clone(),
        password: args.registry_password.clone(),
        on_credentials: args.scan.verbose.then_some(tell_credentials as fn(&str)),
    };
    execute(&args.scan, &prepared, reporting, |scan| {
        let stats = match remote {
            Some(reference) => {
                image::scan_registry_image(scan, RegistryClient::new(reference, &registry_options), &options)?
            }
            None => image::scan_image(scan, &source, &options)?,
        };
        if !quiet {
            eprintln!(
                "keyhound: {} image(s), {} distinct layer(s)",
                stats.images, stats.layers
            );
        }
        Ok(())
    })
}

fn run_objects(args: cli::ObjectsArgs, mode: Mode) -> Result<u8> {
    let options = objects_command::options(&args)?;
    // As for images: the config is the working directory's (or --config),
    // the user's own; nothing in the bucket is read as configuration.
    let prepared = prepare(&args.scan, Path::new("."), None, mode)?;
    let reporting = Reporting::detached();
    let quiet = args.scan.quiet;
    execute(&args.scan, &prepared, reporting, |scan| {
        let stats = keyhound_objects::scan_objects(scan, &options)?;
        if !quiet {
            eprintln!("{}", objects_command::describe(&args.url, &stats));
        }
        Ok(())
    })
}

/// `--verbose`: which host registry credentials go to.
fn tell_credentials(host: &str) {
    eprintln!("keyhound: sending registry credentials to {host}");
}

fn vcs_info(repo: &gix::Repository) -> VcsInfo {
    let config = repo.config_snapshot();
    let repository_uri = config
        .string("remote.origin.url")
        .map(|s| s.to_string())
        .unwrap_or_else(|| {
            let path = std::fs::canonicalize(repo.workdir().unwrap_or(repo.git_dir()))
                .unwrap_or_else(|_| repo.git_dir().to_path_buf());
            format!("file://{}", path.display())
        });
    VcsInfo {
        repository_uri,
        revision: repo.head_id().ok().map(|id| id.to_string()),
        branch: repo.head_name().ok().flatten().map(|n| n.shorten().to_string()),
    }
}

fn run_git(mut args: GitArgs, mode: Mode) -> Result<u8> {
    let quiet = args.scan.quiet || args.scan.hook.is_some();
    let mirror = remote_git::mirror_if_url(&args, quiet)?;
    if let Some(mirror) = &mirror {
        args.repo = mirror.path().to_path_buf();
        // A kept mirror is for re-audits: remember its clean blobs too.
        if mirror.kept() && args.cache.is_none() {
            args.cache = Some(None);
        }
    }
    let repo = git::open(&args.repo)?;
    let root = repo
        .workdir()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| repo.git_dir().to_path_buf());
    let prepared = prepare(&args.scan, &root, Some(&root), mode)?;
    let reporting = Reporting {
        base_dir: std::fs::canonicalize(&root).ok(),
        vcs: Some(vcs_info(&repo)),
        author: author_of(Some(&repo)),
        per_repository_sarif: None,
    };
    let max = args.max_file_size;
    execute(&args.scan, &prepared, reporting, |scan| {
        let warn = |m: String| scan.warn(WarningKind::Git, None, m);
        if let Some(stale) = mirror.as_ref().and_then(|m| m.stale.as_ref()) {
            warn(format!(
                "{} — scanning what the mirror held from earlier fetches",
                remote_git::describe(stale)
            ));
        }
        if args.staged {
            staged::scan_staged(scan, &repo, max)?;
            return Ok(());
        }
        let commits = if args.pre_push {
            let mut input = String::new();
            std::io::stdin()
                .read_to_string(&mut input)
                .context("reading pre-push input")?;
            Some(range::pushed_commits(
                &repo,
                &range::parse_push_updates(&input)?,
                &warn,
            )?)
        } else if let Some(text) = &args.range {
            let (hidden, tips) = range::parse_range(&repo, text)?;
            Some(git::walk(&repo, &tips, &hidden, args.max_commits, &warn)?)
        } else if let Some(since) = &args.since {
            let tip = git::resolve(&repo, args.branch.as_deref().unwrap_or("HEAD"))?;
            let base = git::resolve(&repo, since)?;
            Some(git::walk(&repo, &[tip], &[base], args.max_commits, &warn)?)
        } else {
            None
        };
        if let Some(commits) = commits {
            let n = range::scan_commits(scan, &repo, &commits, max)?;
            if !quiet {
                eprintln!("keyhound: {n} commit(s) in range");
            }
            return Ok(());
        }
        let mut cache = args.cache.as_ref().map(|dir| {
            let dir = dir.clone().unwrap_or_else(|| repo.git_dir().join("keyhound"));
            BlobCache::open(&dir, &keyhound_scan::ruleset_key(prepared.scanner.rules()))
        });
        let options = history::HistoryOptions {
            branch: args.branch.clone(),
            max_commits: args.max_commits,
            max_blob_size: max,
            repository: None,
        };
        let stats = history::scan_history(scan, &repo, &options, cache.as_mut())?;
        if let Some(cache) = &cache {
            if let Err(e) = cache.save() {
                scan.warn(WarningKind::Cache, None, format!("cannot save the blob cache: {e}"));
            }
        }
        if !quiet {
            eprintln!(
                "keyhound: {} commits, {} unique blobs ({} known clean from cache){}",
                stats.commits,
                stats.blobs,
                stats.cached,
                if stats.shallow { ", shallow clone" } else { "" }
            );
        }
        Ok(())
    })
}

/// The scan wiring an organisation audit runs through (see
/// `hosting_command::ScanWith`).
/// An organisation audit (`mode`: its report, a baseline of it, or the
/// inventory of every secret across its repositories).
fn run_hosting(platform: keyhound_hosting::Platform, args: cli::HostingArgs, mode: Mode) -> Result<u8> {
    hosting_command::run(platform, args, &|scan, root, sarif, source| {
        scan_for_hosting(scan, root, sarif, source, mode)
    })
}

fn scan_for_hosting(
    scan: &ScanArgs,
    config_root: &Path,
    per_repository_sarif: hosting_command::PerRepositorySarif,
    source: &mut dyn FnMut(&ScanRun<'_>, &str) -> Result<()>,
    mode: Mode,
) -> Result<u8> {
    let prepared = prepare(scan, config_root, None, mode)?;
    let reporting = Reporting {
        per_repository_sarif,
        ..Reporting::default()
    };
    let ruleset = keyhound_scan::ruleset_key(prepared.scanner.rules());
    execute(scan, &prepared, reporting, |run| source(run, &ruleset))
}

fn run_hook(command: HookCommand) -> Result<u8> {
    match command {
        HookCommand::Agent(args) => {
            return agent_hook_command::run(*args, |scan, root| {
                let prepared = prepare(scan, root, None, Mode::Report)?;
                Ok((prepared.scanner, prepared.policy))
            })
        }
        HookCommand::Install {
            repo,
            agent: Some(agent),
            user,
            ..
        } => agent_hook_command::install(agent, &repo, user)?,
        HookCommand::Uninstall {
            repo,
            agent: Some(agent),
            user,
        } => agent_hook_command::uninstall(agent, &repo, user)?,
        HookCommand::Install {
            repo,
            pre_push,
            force,
            chain,
            agent: None,
            ..
        } => {
            let repo = git::open(&repo)?;
            let existing = if force {
                Existing::Force
            } else if chain {
                Existing::Chain
            } else {
                Existing::Refuse
            };
            for path in hook_installer::install(&repo, pre_push, existing)? {
                println!("installed {}", path.display());
            }
        }
        HookCommand::Uninstall { repo, agent: None, .. } => {
            let repo = git::open(&repo)?;
            let removed = hook_installer::uninstall(&repo)?;
            if removed.is_empty() {
                println!("no keyhound hook installed");
            }
            for path in removed {
                println!("removed {}", path.display());
            }
        }
    }
    Ok(0)
}

fn run_allow(args: AllowArgs) -> Result<u8> {
    let repo = git::open(Path::new(".")).ok();
    let root = repo
        .as_ref()
        .and_then(|r| r.workdir().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."));
    let path = args.baseline.clone().unwrap_or_else(|| root.join(BASELINE_FILE));
    let mut baseline = Baseline::load_or_default(&path)?;
    let entry = Entry {
        fingerprint: args.fingerprint.to_ascii_lowercase(),
        rule_id: None,
        path: None,
        reason: args.reason,
        author: author_of(repo.as_ref()),
        date: Some(now_rfc3339()),
    };
    if baseline.allow(entry)? {
        baseline.save(&path)?;
        println!("allowed {} in {} ({:?})", args.fingerprint, path.display(), args.reason);
    } else {
        println!("{} is already allowed in {}", args.fingerprint, path.display());
    }
    Ok(0)
}

fn load_for_listing(args: &RuleArgs, builtin: bool) -> Result<Vec<Rule>> {
    let selection = Selection {
        enable: args.enable_rule.clone(),
        disable: args.disable_rule.clone(),
    };
    let mut all = if builtin { rules::builtin()? } else { Vec::new() };
    for path in &args.rules {
        all.extend(rules::parse_path(path)?);
    }
    rules::check_unique(&all)?;
    Ok(selection.apply(all)?)
}

fn list_rules(args: &RuleArgs, format: ListFormat) -> Result<u8> {
    let rules = load_for_listing(args, true)?;
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

/// Counts of one set of rules (a pack, or all of them).
#[derive(Debug, Default, serde::Serialize)]
struct RuleCounts {
    /// Rules.
    rules: usize,
    /// Rules that run without `--enable-rule`.
    enabled: usize,
    /// Distinct providers.
    providers: usize,
    /// Rules with a verifier.
    verifying_rules: usize,
    /// Providers with at least one verifying rule.
    verifying_providers: usize,
    /// Rules with a revocation API.
    revoking_rules: usize,
    /// Providers with at least one rule with a revocation API.
    revoking_providers: usize,
    /// Rules with revocation guidance (a page and steps).
    with_guidance: usize,
    /// Rules with an access map (`--access`).
    access_rules: usize,
    /// Providers with at least one access-mapped rule.
    access_providers: usize,
}

impl RuleCounts {
    fn of(rules: &[&Rule]) -> RuleCounts {
        let verifies = |r: &Rule| r.spec.verify.is_some();
        let revokes = |r: &Rule| r.spec.revoke.as_ref().is_some_and(|v| v.api.is_some());
        // (rules, distinct providers) among those that `keep`.
        let count = |keep: &dyn Fn(&Rule) -> bool| {
            let kept: Vec<&Rule> = rules.iter().copied().filter(|r| keep(r)).collect();
            let providers: std::collections::BTreeSet<String> = kept
                .iter()
                .map(|r| r.spec.provider.clone().unwrap_or_else(|| r.id().to_string()))
                .collect();
            (kept.len(), providers.len())
        };
        let (all, providers) = count(&|_| true);
        let (verifying_rules, verifying_providers) = count(&verifies);
        let (revoking_rules, revoking_providers) = count(&revokes);
        let (access_rules, access_providers) = count(&|r: &Rule| r.spec.access.is_some());
        RuleCounts {
            access_rules,
            access_providers,
            rules: all,
            enabled: count(&|r| r.spec.enabled).0,
            providers,
            verifying_rules,
            verifying_providers,
            revoking_rules,
            revoking_providers,
            with_guidance: count(&|r| r.spec.revoke.is_some()).0,
        }
    }
}

/// `keyhound rules list --stats`: what the rule set covers, in numbers.
fn rules_stats(args: &RuleArgs, format: ListFormat) -> Result<u8> {
    // Every rule counts, those off by default too (listed as not enabled).
    let mut rules = rules::builtin()?;
    for path in &args.rules {
        rules.extend(rules::parse_path(path)?);
    }
    rules::check_unique(&rules)?;
    let mut packs: std::collections::BTreeMap<&str, Vec<&Rule>> = std::collections::BTreeMap::new();
    for rule in &rules {
        packs.entry(rule.source.as_str()).or_default().push(rule);
    }
    let total = RuleCounts::of(&rules.iter().collect::<Vec<_>>());
    let per_pack: Vec<(&str, RuleCounts)> = packs
        .iter()
        .map(|(pack, rules)| (*pack, RuleCounts::of(rules)))
        .collect();
    let mut out = std::io::stdout().lock();
    match format {
        ListFormat::Json => {
            let doc = serde_json::json!({
                "total": total,
                "packs": per_pack.iter().map(|(p, c)| (p.to_string(), c)).collect::<std::collections::BTreeMap<_, _>>(),
            });
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        ListFormat::Text => {
            let width = packs.keys().map(|p| p.len()).max().unwrap_or(0).max(5);
            writeln!(
                out,
                "{:width$}  {:>5}  {:>9}  {:>9}  {:>10}  {:>9}  {:>10}  {:>6}  {:>10}",
                "pack",
                "rules",
                "providers",
                "verifying",
                "(providers)",
                "revoking",
                "(providers)",
                "access",
                "(providers)"
            )?;
            let line = |out: &mut dyn Write, name: &str, c: &RuleCounts| {
                writeln!(
                    out,
                    "{name:width$}  {:>5}  {:>9}  {:>9}  {:>10}  {:>9}  {:>10}  {:>6}  {:>10}",
                    c.rules,
                    c.providers,
                    c.verifying_rules,
                    c.verifying_providers,
                    c.revoking_rules,
                    c.revoking_providers,
                    c.access_rules,
                    c.access_providers
                )
            };
            for (pack, counts) in &per_pack {
                line(&mut out, pack, counts)?;
            }
            line(&mut out, "all", &total)?;
            writeln!(
                out,
                "{} rules ({} on by default) for {} providers; {} verify ({} providers); {} map access ({} providers); {} revoke through an API ({} providers); {} carry revocation guidance",
                total.rules,
                total.enabled,
                total.providers,
                total.verifying_rules,
                total.verifying_providers,
                total.access_rules,
                total.access_providers,
                total.revoking_rules,
                total.revoking_providers,
                total.with_guidance
            )?;
        }
    }
    Ok(0)
}

fn test_rules(args: &RuleArgs, builtin: bool) -> Result<u8> {
    let rules = load_for_listing(args, builtin)?;
    if rules.is_empty() {
        bail!("no rules to test");
    }
    let mut failures = 0usize;
    let mut examples = 0usize;
    for rule in &rules {
        examples += rule.spec.examples.positive.len() + rule.spec.examples.negative.len();
        if let Err(err) = packs::check_rule(rule) {
            println!("FAIL {}", keyhound_findings::error_chain(&err));
            failures += 1;
            continue;
        }
        for failure in keyhound_scan::examples::test_rule(rule) {
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
