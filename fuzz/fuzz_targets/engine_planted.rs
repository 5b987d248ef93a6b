//! A secret planted in arbitrary bytes, plainly or inside an encoding the
//! engine decodes (base64, percent, JSON escapes), is still found: the
//! decoders and windows never lose it, whatever surrounds it. The engine
//! decodes only where a cue announces an encoding (README: a bare base64
//! line is not opened, for speed), so the base64 case carries one on its
//! line, as a real file would (`…_BASE64: <run>`).
#![no_main]

use arbitrary::Arbitrary;
use base64::Engine as _;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    before: &'a [u8],
    after: &'a [u8],
    seed: &'a [u8],
    encoding: u8,
}

fuzz_target!(|input: Input<'_>| {
    let token = keyhound_fuzz::github_token(input.seed);
    let line = format!("GITHUB_TOKEN={token}");
    let planted = match input.encoding % 4 {
        0 => line.clone(),
        1 => format!(
            "GITHUB_TOKEN_BASE64: {}",
            base64::engine::general_purpose::STANDARD.encode(line.as_bytes())
        ),
        2 => line.replace('=', "%3D"),
        _ => format!("{{\"env\": \"export\\u0020{line}\\n\"}}"),
    };
    // The secret on a line of its own, as it would be in a file.
    let mut data = input.before.to_vec();
    data.extend_from_slice(b"\n");
    data.extend_from_slice(planted.as_bytes());
    data.extend_from_slice(b"\n");
    data.extend_from_slice(input.after);
    let scanner = keyhound_fuzz::scanner();
    let found = scanner.scan(&data).into_iter().any(|c| {
        let rule = scanner.rules()[c.rule].id();
        rule == "github-pat-classic" && c.secret_bytes(&data) == token.as_bytes()
    });
    assert!(found, "planted token not found (encoding {})", input.encoding % 4);
});
