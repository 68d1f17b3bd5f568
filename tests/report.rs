//! `report.html` and `report.md` from a hand-made output folder: they link
//! only files that exist, load nothing from the network, run no script,
//! show every row of every table, escape what they quote, and are the same
//! bytes every time.

use std::fs;
use std::path::{Path, PathBuf};

use capsim::report::document::ReportInput;
use capsim::report::html::{render_html, write_html};
use capsim::report::markdown::{render_markdown, write_markdown};

const SUMMARY_HEADER: &str = "variant,class,requests,ok,rejected,timed_out,failed,error_rate,\
throughput_rps,goodput_rps,latency_mean_ms,latency_p50_ms,latency_p90_ms,latency_p99_ms,\
latency_p999_ms,latency_max_ms,cost_per_hour,cost_per_million";

const BASE_SUMMARY: &[&str] = &[
    "base,browse,291849,291842,0,0,0,0,1080.896,1080.896,10.145,7.991,19.399,39.78,67.699,254.28,3.2,",
    "base,checkout,32322,32320,0,0,0,0,119.704,119.704,30.113,24.51,58.622,104.268,150.864,244.318,3.2,",
    "base,all,324171,324162,0,0,0,0,1200.6,1200.6,12.1,8.5,22.1,50.2,90.3,254.28,3.2,0.74",
];

/// A class name with markup and a pipe in it: shown as written, not obeyed.
const SCALE_UP_SUMMARY: &[&str] = &[
    "scale-up,browse,291849,290000,1849,0,0,0.0063,1074.1,1074.1,9.1,7.1,18.2,38.1,66.1,250.1,3.4,",
    "scale-up,\"a|b<i>c</i>\",32322,32320,0,0,0,0,119.704,119.704,30.1,24.5,58.6,104.2,150.8,244.3,3.4,",
    "scale-up,all,324171,322320,1849,0,0,0.0057,1193.8,1193.8,11.2,8.0,21.0,48.0,88.0,250.1,3.4,0.79",
];

const COMPARISON: &str = "variant,requests,error_rate,throughput_rps,goodput_rps,latency_p50_ms,\
latency_p90_ms,latency_p99_ms,latency_p999_ms,max_utilization,busiest,cost_per_hour,cost_per_million
base,324171,0,1200.6,1200.6,8.5,22.1,50.2,90.3,0.7671,api,3.2,0.74
scale-up,324171,0.0057,1193.8,1193.8,8.0,21.0,48.0,88.0,0.7232,api,,
";

/// The first bytes of a real 1600x900 PNG: enough for the page to read the
/// size from.
fn png_header() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    b.extend_from_slice(&1600u32.to_be_bytes());
    b.extend_from_slice(&900u32.to_be_bytes());
    b.extend_from_slice(&[8, 6, 0, 0, 0]);
    b
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

fn summary(rows: &[&str]) -> String {
    let mut s = format!("{SUMMARY_HEADER}\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

/// `dir` laid out as a run of two variants writes it: `base` with every
/// plot, `scale-up` with only `latency.png` (and a plot still being written
/// under a temporary name), and the comparison without `errors.png`.
fn two_variants(dir: &Path) {
    let base = dir.join("base");
    write(&base.join("summary.csv"), summary(BASE_SUMMARY));
    write(
        &base.join("timeseries.csv"),
        "time_s,offered_rps\n0,10\n1,12\n",
    );
    write(
        &base.join("components.csv"),
        "time_s,component,instance\n0,api,*\n",
    );
    write(&base.join("latency.png"), png_header());
    for p in ["throughput.png", "components.png", "latency_cdf.png"] {
        write(&base.join(p), b"not really a png");
    }
    let up = dir.join("scale-up");
    write(&up.join("summary.csv"), summary(SCALE_UP_SUMMARY));
    write(&up.join("latency.png"), b"png");
    write(&up.join(".capsim-x1y2.png"), b"half-written");
    let cmp = dir.join("comparison");
    write(&cmp.join("comparison.csv"), COMPARISON);
    write(&cmp.join("latency_p99.png"), b"png");
    write(&cmp.join("throughput.png"), b"png");
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn facts() -> Vec<(String, String)> {
    [("duration", "10m"), ("warm-up", "30s"), ("seed", "7")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn input<'a>(
    dir: &'a Path,
    scenario: &'a str,
    variants: &'a [String],
    facts: &'a [(String, String)],
) -> ReportInput<'a> {
    ReportInput {
        scenario_dir: dir,
        scenario,
        description: "Two ways to add capacity.\n\nSame cost, same arrivals.",
        variants,
        facts,
        slo: &[],
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn html_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Every value of the attribute `name` in `html`.
fn attributes(html: &str, name: &str) -> Vec<String> {
    let pat = format!(" {name}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&pat) {
        rest = &rest[i + pat.len()..];
        let end = rest.find('"').expect("a closed attribute");
        out.push(rest[..end].to_string());
        rest = &rest[end..];
    }
    out
}

/// The files an HTML page links (in-page anchors left out), as paths
/// relative to its folder; asserts each is relative and stays inside.
fn linked_files(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src", "href"] {
        for v in attributes(html, attr) {
            if v.starts_with('#') {
                continue;
            }
            assert!(
                !v.contains(':') && !v.starts_with('/') && !v.contains(".."),
                "not a relative path inside the folder: {v}"
            );
            out.push(percent_decode(&html_unescape(&v)));
        }
    }
    out
}

/// The files a Markdown text links: `![alt](path)` and `[text](path)`.
fn md_links(md: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = md;
    while let Some(i) = rest.find("](") {
        rest = &rest[i + 2..];
        let end = rest.find(')').expect("a closed link");
        out.push(rest[..end].to_string());
        rest = &rest[end..];
    }
    out
}

/// The images of a Markdown text.
fn md_images(md: &str) -> Vec<String> {
    md.lines()
        .filter_map(|l| l.strip_prefix("!["))
        .map(|l| {
            let start = l.find("](").unwrap() + 2;
            let end = l.rfind(')').unwrap();
            l[start..end].to_string()
        })
        .collect()
}

/// The tables of a Markdown text, each as its rows of cells (header and
/// alignment rows included), cells split on unescaped `|`.
fn md_tables(md: &str) -> Vec<Vec<Vec<String>>> {
    let mut tables = Vec::new();
    let mut cur: Vec<Vec<String>> = Vec::new();
    for line in md.lines().chain(std::iter::once("")) {
        if line.starts_with('|') {
            let inner = line
                .strip_prefix("| ")
                .and_then(|l| l.strip_suffix(" |"))
                .expect("a table row starts with `| ` and ends with ` |`");
            let mut cells = Vec::new();
            let mut cell = String::new();
            let mut chars = inner.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        cell.push(c);
                        if let Some(n) = chars.next() {
                            cell.push(n);
                        }
                    }
                    '|' => cells.push(std::mem::take(&mut cell).trim().to_string()),
                    c => cell.push(c),
                }
            }
            cells.push(cell.trim().to_string());
            cur.push(cells);
        } else if !cur.is_empty() {
            tables.push(std::mem::take(&mut cur));
        }
    }
    tables
}

/// The bodies of the HTML tables: each a list of rows of cell texts (tags
/// stripped, entities decoded).
fn html_tables(html: &str) -> Vec<(Vec<String>, Vec<Vec<String>>)> {
    let strip = |s: &str| {
        let mut out = String::new();
        let mut tag = false;
        for c in s.chars() {
            match c {
                '<' => tag = true,
                '>' => tag = false,
                c if !tag => out.push(c),
                _ => {}
            }
        }
        html_unescape(&out)
    };
    let cells = |row: &str, open: &str, close: &str| -> Vec<String> {
        row.split(open)
            .skip(1)
            .map(|c| strip(&format!("<x{}", &c[..c.find(close).unwrap()])))
            .collect()
    };
    html.split("<table>")
        .skip(1)
        .map(|t| {
            let t = &t[..t.find("</table>").unwrap()];
            let head = &t[t.find("<thead>").unwrap() + 7..t.find("</thead>").unwrap()];
            let body = &t[t.find("<tbody>").unwrap()..t.find("</tbody>").unwrap()];
            let header = cells(head, "<th", "</th>");
            let rows = body
                .split("<tr")
                .skip(1)
                .map(|r| cells(r, "<td", "</td>"))
                .collect();
            (header, rows)
        })
        .collect()
}

fn table_of(header: &[&str], rows: &[&[&str]]) -> (Vec<String>, Vec<Vec<String>>) {
    (strings(header), rows.iter().map(|r| strings(r)).collect())
}

const SUMMARY_SHOWN: &[&str] = &[
    "class",
    "p50 (ms)",
    "p90 (ms)",
    "p99 (ms)",
    "p99.9 (ms)",
    "max (ms)",
    "mean (ms)",
    "requests",
    "ok",
    "rejected",
    "timed out",
    "failed",
    "error rate",
    "throughput (req/s)",
    "goodput (req/s)",
    "cost ($/hour)",
    "cost per million ($)",
];

/// The comparison and the two summaries as the report shows them, worked
/// out by hand from the CSVs above: percentiles first, readable headers,
/// shares as percentages, each column with one number of decimals (three
/// significant digits in its smallest latency, at most what the file
/// prints), thousands grouped, the empty `cost_total` column and the
/// constant `variant` column left out.
fn expected_tables() -> Vec<(Vec<String>, Vec<Vec<String>>)> {
    let d = "\u{2013}";
    vec![
        table_of(
            &[
                "variant",
                "p50 (ms)",
                "p90 (ms)",
                "p99 (ms)",
                "p99.9 (ms)",
                "error rate",
                "requests",
                "throughput (req/s)",
                "goodput (req/s)",
                "busiest (utilisation)",
                "cost ($/hour)",
                "cost per million ($)",
            ],
            &[
                &[
                    "base",
                    "8.5",
                    "22.1",
                    "50.2",
                    "90.3",
                    "0.00%",
                    "324,171",
                    "1,200.6",
                    "1,200.6",
                    "api (76.71%)",
                    "3.20",
                    "0.74",
                ],
                &[
                    "scale-up",
                    "8.0",
                    "21.0",
                    "48.0",
                    "88.0",
                    "0.57%",
                    "324,171",
                    "1,193.8",
                    "1,193.8",
                    "api (72.32%)",
                    d,
                    d,
                ],
            ],
        ),
        table_of(
            SUMMARY_SHOWN,
            &[
                &[
                    "browse", "7.99", "19.4", "39.8", "67.7", "254", "10.1", "291,849", "291,842",
                    "0", "0", "0", "0.00%", "1,080.9", "1,080.9", "3.20", d,
                ],
                &[
                    "checkout", "24.51", "58.6", "104.3", "150.9", "244", "30.1", "32,322",
                    "32,320", "0", "0", "0", "0.00%", "119.7", "119.7", "3.20", d,
                ],
                &[
                    "all", "8.50", "22.1", "50.2", "90.3", "254", "12.1", "324,171", "324,162",
                    "0", "0", "0", "0.00%", "1,200.6", "1,200.6", "3.20", "0.74",
                ],
            ],
        ),
        table_of(
            SUMMARY_SHOWN,
            &[
                &[
                    "browse", "7.1", "18.2", "38.1", "66.1", "250", "9.1", "291,849", "290,000",
                    "1,849", "0", "0", "0.63%", "1,074.1", "1,074.1", "3.40", d,
                ],
                &[
                    "a|b<i>c</i>",
                    "24.5",
                    "58.6",
                    "104.2",
                    "150.8",
                    "244",
                    "30.1",
                    "32,322",
                    "32,320",
                    "0",
                    "0",
                    "0",
                    "0.00%",
                    "119.7",
                    "119.7",
                    "3.40",
                    d,
                ],
                &[
                    "all", "8.0", "21.0", "48.0", "88.0", "250", "11.2", "324,171", "322,320",
                    "1,849", "0", "0", "0.57%", "1,193.8", "1,193.8", "3.40", "0.79",
                ],
            ],
        ),
    ]
}

#[test]
fn html_links_only_files_that_exist_and_loads_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    two_variants(dir);
    let variants = strings(&["base", "scale-up"]);
    let facts = facts();
    let path = write_html(&input(dir, "scale", &variants, &facts)).unwrap();
    assert_eq!(path, dir.join("report.html"));
    let html = fs::read_to_string(&path).unwrap();

    let linked = linked_files(&html);
    for f in &linked {
        assert!(dir.join(f).is_file(), "links {f}, which does not exist");
    }
    // Every plot that exists is shown, and only those.
    let srcs: Vec<String> = attributes(&html, "src");
    assert_eq!(
        srcs,
        [
            "comparison/latency_p99.png",
            "comparison/throughput.png",
            "base/latency.png",
            "base/throughput.png",
            "base/components.png",
            "base/latency_cdf.png",
            "scale-up/latency.png",
        ]
    );
    assert!(!html.contains(".capsim-"), "a temporary file is linked");
    for f in [
        "base/summary.csv",
        "base/timeseries.csv",
        "comparison/comparison.csv",
    ] {
        assert!(linked.iter().any(|l| l == f), "{f} is not linked");
    }
    // A real PNG's size is given, so the page does not jump while loading.
    assert!(html.contains("src=\"base/latency.png\" alt=\"Response time per window"));
    assert!(html.contains("width=\"1600\" height=\"900\""));

    let lower = html.to_ascii_lowercase();
    // No script, no event handler, nothing from elsewhere.
    for bad in [
        "<script",
        " onclick=",
        " onload=",
        " onerror=",
        "javascript:",
        "http://",
        "https://",
        "<link",
        "@import",
        "url(",
        "<iframe",
        "<object",
        "<embed",
    ] {
        assert!(!lower.contains(bad), "the page contains {bad}");
    }
    assert!(html.starts_with("<!DOCTYPE html>\n"));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(html.contains("<style>"));
    // In-page links lead somewhere.
    for a in attributes(&html, "href") {
        if let Some(id) = a.strip_prefix('#') {
            assert!(html.contains(&format!(" id=\"{id}\"")), "no #{id}");
        }
    }
}

#[test]
fn html_tables_read_well() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    two_variants(dir);
    let variants = strings(&["base", "scale-up"]);
    let facts = facts();
    let html = render_html(&input(dir, "scale", &variants, &facts)).unwrap();

    let tables = html_tables(&html);
    let expected = expected_tables();
    assert_eq!(
        tables.len(),
        expected.len(),
        "comparison, then a summary per variant"
    );
    for (got, want) in tables.iter().zip(&expected) {
        assert_eq!(got, want);
    }
    // The comparison comes first, before the variants' sections.
    let cmp = html.find("id=\"comparison\"").unwrap();
    let base = html.find("id=\"variant-base\"").unwrap();
    let up = html.find("id=\"variant-scale-up\"").unwrap();
    assert!(cmp < base && base < up);

    // Class names are escaped, not markup.
    assert!(html.contains(&html_escape("a|b<i>c</i>")));
    assert!(!html.contains("<i>c</i>"));
    // Numbers and their headers are right-aligned, names are not; the
    // total row stands out; a header is never broken inside a word.
    assert!(html.contains("<td class=\"num\" data-label=\"requests\">291,849</td>"));
    assert!(html.contains("<th class=\"num\">p99 (ms)</th>"));
    assert!(html.contains("<td data-label=\"class\">browse</td>"));
    assert!(html.contains("<tr class=\"total\"><td data-label=\"class\">all</td>"));
    assert!(!html.contains("<wbr>"));
    // On a phone a table of more than four columns shows each row as a
    // card, each cell with its column's name (`.ci/report-check` looks).
    assert!(html.contains("<div class=\"table-wrap cards\">\n<table>"));
    assert!(html.contains(".cards td::before { content: attr(data-label);"));
    // An empty cell shows as a dash; a variant's name leads to its section.
    assert!(html.contains("<td class=\"num empty\" data-label=\"cost ($/hour)\">\u{2013}</td>"));
    assert!(
        html.contains("<td data-label=\"variant\"><a href=\"#variant-scale-up\">scale-up</a></td>")
    );
    // The facts and the description.
    for (k, v) in &facts {
        assert!(html.contains(&format!("<dt>{k}</dt><dd>{v}</dd>")));
    }
    assert!(html.contains("<p class=\"description\">Two ways to add capacity.</p>"));
    assert!(html.contains("<p class=\"description\">Same cost, same arrivals.</p>"));
    // How to read the tables is said once, before them.
    let legend = html.find("<p class=\"legend\">").unwrap();
    assert!(legend < html.find("<table>").unwrap());
    assert_eq!(html.matches("<p class=\"legend\">").count(), 1);
    let legend = &html[legend..];
    let legend = &legend[..legend.find("</p>").unwrap()];
    for what in [
        "Response times (the percentiles p50 to p99.9, the max and the mean)",
        "in milliseconds",
        "error rate is (rejected + timed out + failed) / requests",
        "goodput only the successful replies",
        "costs are in the size catalogue&#39;s currency ($",
        "A \u{2013} is an empty cell",
    ] {
        assert!(legend.contains(what), "{what} not in {legend}");
    }
    // No replications: no interval, nothing said of one.
    assert!(!html.contains(" \u{b1} "));
}

#[test]
fn the_page_fits_any_width() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    two_variants(dir);
    let variants = strings(&["base", "scale-up"]);
    let html = render_html(&input(dir, "scale", &variants, &[])).unwrap();
    let style = &html[html.find("<style>").unwrap()..html.find("</style>").unwrap()];
    // Plots two abreast when there is room, one shrinking with the page
    // below 560 px; a table of more than four columns turns into cards on
    // a screen 600 px wide or less; any table too wide still scrolls in its
    // own box, never the page.
    assert!(style.contains("minmax(min(560px, 100%), 1fr)"));
    assert!(!style.contains("minmax(560px"));
    assert!(style.contains("max-width: 100%; height: auto"));
    assert!(style.contains(".table-wrap { max-width: 100%; overflow-x: auto; }"));
    assert!(style.contains("@media (max-width: 600px) {"));
    assert!(style.contains(".cards table, .cards tbody, .cards tr, .cards td { display: block; }"));
    let tables = html_tables(&html);
    let wrapped = html.matches("<div class=\"table-wrap\">\n<table>").count();
    let cards = html
        .matches("<div class=\"table-wrap cards\">\n<table>")
        .count();
    assert_eq!(
        wrapped + cards,
        tables.len(),
        "every table in its scrolling box"
    );
    let wide = tables.iter().filter(|(header, _)| header.len() > 4).count();
    assert!(wide > 0);
    assert_eq!(
        cards, wide,
        "cards for exactly the tables of more than 4 columns"
    );
    assert!(html.contains("<meta name=\"viewport\" content=\"width=device-width"));
}

#[test]
fn replications_show_a_figure_with_its_interval() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        &dir.join("base/summary.csv"),
        "variant,class,requests,error_rate,error_rate_lo,error_rate_hi,latency_p99_ms,\
         latency_p99_ms_lo,latency_p99_ms_hi,replications,warmup_s\n\
         base,all,1200.4,0.0206,0.0196,0.0216,120.5,117.3,123.7,8,30\n",
    );
    let variants = strings(&["base"]);
    let inp = input(dir, "r", &variants, &[]);
    let html = render_html(&inp).unwrap();
    let md = render_markdown(&inp).unwrap();
    let want = table_of(
        &["class", "p99 (ms)", "requests", "error rate"],
        &[&["all", "121 \u{b1} 3", "1,200", "2.06% \u{b1} 0.10%"]],
    );
    assert_eq!(html_tables(&html), std::slice::from_ref(&want));
    let md_table = &md_tables(&md)[0];
    assert_eq!(md_table[0], want.0);
    assert_eq!(
        md_table[2],
        ["**all**", "121 \u{b1} 3", "1,200", "2.06% \u{b1} 0.10%"]
    );
    for text in [&html, &md] {
        assert!(text.contains("each figure the mean of 8 replications"));
        assert!(text.contains("the half-width of its 95% confidence interval"));
    }
}

#[test]
fn a_scenario_name_with_markup_is_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    two_variants(dir);
    let variants = strings(&["base"]);
    let facts = vec![("<seed>".to_string(), "7 & \"8\"".to_string())];
    let name = "<b>shop</b> & \"co\"";
    let inp = ReportInput {
        description: "<script>alert(1)</script>\n- not a list",
        ..input(dir, name, &variants, &facts)
    };
    let html = render_html(&inp).unwrap();
    assert!(!html.contains("<b>"), "the name became markup");
    assert!(!html.to_ascii_lowercase().contains("<script"));
    assert!(html.contains("<h1>&lt;b&gt;shop&lt;/b&gt; &amp; &quot;co&quot;</h1>"));
    assert!(html.contains("<title>&lt;b&gt;shop&lt;/b&gt; &amp; &quot;co&quot;"));
    assert!(html.contains("<dt>&lt;seed&gt;</dt><dd>7 &amp; &quot;8&quot;</dd>"));

    let md = render_markdown(&inp).unwrap();
    assert!(md.starts_with("# \\<b\\>shop\\</b\\> \\& \"co\"\n"));
    assert!(!md.contains("<b>") && !md.contains("<script>"));
    assert!(md.contains("\\<script\\>alert(1)\\</script\\> - not a list"));
    assert!(md.contains("- **\\<seed\\>:** 7 \\& \"8\""));
}

#[test]
fn markdown_has_the_same_tables_and_links_files_that_exist() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    two_variants(dir);
    let variants = strings(&["base", "scale-up"]);
    let facts = facts();
    let path = write_markdown(&input(dir, "scale", &variants, &facts)).unwrap();
    assert_eq!(path, dir.join("report.md"));
    let md = fs::read_to_string(&path).unwrap();

    let tables = md_tables(&md);
    let expected = expected_tables();
    assert_eq!(tables.len(), expected.len());
    for (t, (header, rows)) in tables.iter().zip(&expected) {
        assert_eq!(
            t.len(),
            rows.len() + 2,
            "header, alignment, then one per row"
        );
        for line in t {
            assert_eq!(
                line.len(),
                header.len(),
                "a row with a wrong number of cells: {line:?}"
            );
        }
        assert_eq!(&t[0], header);
        for (i, h) in header.iter().enumerate() {
            let numeric = !matches!(h.as_str(), "variant" | "class" | "busiest (utilisation)");
            assert_eq!(t[1][i], if numeric { "---:" } else { ":---" }, "{h}");
        }
        for (got, want) in t[2..].iter().zip(rows) {
            for (g, w) in got.iter().zip(want) {
                let g = g.trim_start_matches("**").trim_end_matches("**");
                let g = g
                    .replace("\\|", "|")
                    .replace("\\<", "<")
                    .replace("\\>", ">");
                assert_eq!(&g, w);
            }
        }
    }
    assert!(
        md.contains("| **all** | 8.0 | 21.0 | 48.0 |"),
        "the total row stands out"
    );

    let images = md_images(&md);
    assert_eq!(
        images,
        [
            "comparison/latency_p99.png",
            "comparison/throughput.png",
            "base/latency.png",
            "base/throughput.png",
            "base/components.png",
            "base/latency_cdf.png",
            "scale-up/latency.png",
        ]
    );
    assert!(md.contains("![latency](base/latency.png)\n"));
    for l in md_links(&md) {
        assert!(!l.contains(':') && !l.starts_with('/'), "{l}");
        assert!(
            dir.join(percent_decode(&l)).is_file(),
            "links {l}, which does not exist"
        );
    }
    assert!(!md.contains(".capsim-"));
    assert!(md.starts_with(
        "# scale\n\nTwo ways to add capacity.\n\nSame cost, same arrivals.\n\n- **duration:** 10m\n"
    ));
    assert!(md.ends_with('\n') && !md.ends_with("\n\n"));
}

#[test]
fn reports_are_the_same_bytes_every_time_and_anywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("elsewhere/b"));
    two_variants(&a);
    two_variants(&b);
    let variants = strings(&["base", "scale-up"]);
    let facts = facts();
    let write_both = |dir: &Path| -> (Vec<u8>, Vec<u8>) {
        let inp = input(dir, "scale", &variants, &facts);
        let h = write_html(&inp).unwrap();
        let m = write_markdown(&inp).unwrap();
        (fs::read(h).unwrap(), fs::read(m).unwrap())
    };
    let first = write_both(&a);
    // Written again over the first, and in another folder: the same bytes
    // (the reports themselves are never listed).
    assert_eq!(write_both(&a), first);
    assert_eq!(write_both(&b), first);
    let leftovers: Vec<PathBuf> = fs::read_dir(&a)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".capsim-")
        })
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn a_single_variant_without_a_comparison_works() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let base = dir.join("base");
    write(&base.join("summary.csv"), summary(BASE_SUMMARY));
    write(&base.join("latency.png"), b"png");
    let variants = strings(&["base"]);
    let inp = ReportInput {
        description: "",
        facts: &[],
        ..input(dir, "demo", &variants, &[])
    };
    let html = fs::read_to_string(write_html(&inp).unwrap()).unwrap();
    let md = fs::read_to_string(write_markdown(&inp).unwrap()).unwrap();

    assert!(!html.contains("comparison/") && !md.contains("comparison/"));
    assert!(!html.contains("id=\"comparison\""));
    assert!(!html.contains("<nav>"), "one section needs no contents");
    assert!(!html.contains("class=\"description\"") && !html.contains("class=\"facts\""));
    assert_eq!(html_tables(&html).len(), 1);
    assert_eq!(md_tables(&md).len(), 1);
    assert_eq!(md_tables(&md)[0].len(), BASE_SUMMARY.len() + 2);
    for f in linked_files(&html) {
        assert!(dir.join(&f).is_file(), "{f}");
    }
    assert_eq!(attributes(&html, "src"), ["base/latency.png"]);
    assert_eq!(md_images(&md), ["base/latency.png"]);
    assert!(md.starts_with("# demo\n\nEach table links its CSV file"));
    assert!(md.contains(".\n\n## Variant: base\n\n### Summary\n"));
}

#[test]
fn missing_files_are_said_missing_not_linked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // A variant whose folder has no summary and no plots yet, and one that
    // has no folder at all; comparison plots without their CSV.
    write(&dir.join("base/timeseries.csv"), "time_s\n0\n");
    write(&dir.join("comparison/errors.png"), b"png");
    let variants = strings(&["base", "gone"]);
    let inp = input(dir, "partial", &variants, &[]);
    let html = render_html(&inp).unwrap();
    let md = render_markdown(&inp).unwrap();
    for f in linked_files(&html) {
        assert!(dir.join(&f).is_file(), "{f}");
    }
    for l in md_links(&md) {
        assert!(dir.join(&l).is_file(), "{l}");
    }
    assert_eq!(attributes(&html, "src"), ["comparison/errors.png"]);
    assert!(html.contains("No <code>comparison.csv</code>"));
    assert!(html.contains("No <code>summary.csv</code>"));
    assert!(html.contains("the folder <code>gone/</code> does not exist"));
    assert!(md.contains("the folder `gone/` does not exist"));
    assert!(html_tables(&html).is_empty() && md_tables(&md).is_empty());
}

#[test]
fn a_broken_csv_is_an_error_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        &dir.join("base/summary.csv"),
        b"class,requests\n\"unterminated\n\xff\xfe,1\n",
    );
    let variants = strings(&["base"]);
    let err = render_html(&input(dir, "x", &variants, &[])).unwrap_err();
    assert!(err.to_string().contains("summary.csv"), "{err}");
}

/// The data tier's plots, in the order the report shows them.
const DATA_TIER_PLOTS: [&str; 4] = [
    "hit_ratio.png",
    "shard_load.png",
    "replication_lag.png",
    "queue_backlog.png",
];

#[test]
fn data_tier_plots_are_shown_under_their_own_heading() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    two_variants(dir);
    // base has every data-tier plot (written in another order than shown),
    // scale-up only a queue; the comparison has both of its own.
    for p in DATA_TIER_PLOTS.iter().rev() {
        write(&dir.join("base").join(p), png_header());
    }
    write(&dir.join("scale-up/queue_backlog.png"), b"png");
    write(&dir.join("comparison/queue_backlog.png"), b"png");
    write(&dir.join("comparison/hit_ratio.png"), b"png");
    let variants = strings(&["base", "scale-up"]);
    let facts = facts();
    let inp = input(dir, "scale", &variants, &facts);
    let html = render_html(&inp).unwrap();
    let md = render_markdown(&inp).unwrap();

    let want = [
        "comparison/latency_p99.png",
        "comparison/throughput.png",
        "comparison/hit_ratio.png",
        "comparison/queue_backlog.png",
        "base/latency.png",
        "base/throughput.png",
        "base/components.png",
        "base/latency_cdf.png",
        "base/hit_ratio.png",
        "base/shard_load.png",
        "base/replication_lag.png",
        "base/queue_backlog.png",
        "scale-up/latency.png",
        "scale-up/queue_backlog.png",
    ];
    assert_eq!(attributes(&html, "src"), want);
    assert_eq!(md_images(&md), want);
    // One heading per section that has any, after its other plots.
    assert_eq!(html.matches("<h3>Data tier</h3>").count(), 3);
    assert_eq!(md.matches("\n### Data tier\n").count(), 3);
    let section = |text: &str, from: &str, to: &str| -> String {
        let start = text.find(from).unwrap();
        let end = text[start..].find(to).map_or(text.len(), |e| start + e);
        text[start..end].to_string()
    };
    let base_html = section(&html, "id=\"variant-base\"", "</section>");
    let heading = base_html.find("<h3>Data tier</h3>").unwrap();
    assert!(base_html.find("base/latency_cdf.png").unwrap() < heading);
    assert!(heading < base_html.find("base/hit_ratio.png").unwrap());
    let base_md = section(&md, "## Variant: base", "## Variant: scale-up");
    let heading = base_md.find("### Data tier").unwrap();
    assert!(base_md.find("base/latency_cdf.png").unwrap() < heading);
    assert!(heading < base_md.find("base/hit_ratio.png").unwrap());
    // Each with a line saying what it shows.
    for name in DATA_TIER_PLOTS {
        let line = md
            .lines()
            .find(|l| l.starts_with(&format!("`{name}` \u{2014} ")))
            .unwrap_or_else(|| panic!("no caption for {name}"));
        assert!(line.len() > name.len() + 30, "{line}");
        assert!(
            html.contains(&format!("<figcaption><code>{name}</code> \u{2014} ")),
            "{name}"
        );
    }
    assert!(html.contains("src=\"base/shard_load.png\" alt=\"Operations per second"));
    for f in linked_files(&html) {
        assert!(dir.join(&f).is_file(), "links {f}, which does not exist");
    }

    // Without data-tier plots, no heading.
    let plain = tempfile::tempdir().unwrap();
    two_variants(plain.path());
    let inp = input(plain.path(), "scale", &variants, &facts);
    assert!(!render_html(&inp).unwrap().contains("Data tier"));
    assert!(!render_markdown(&inp).unwrap().contains("Data tier"));
}

#[test]
fn a_data_tier_run_reports_its_plots() {
    // The real binary on the fixture: the report links the data-tier plots
    // it drew, and each is a 1600x900 PNG.
    let tmp = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_capsim"))
        .args(["run", "--quiet", "--out"])
        .arg(tmp.path())
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/data-tier.yaml"
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tmp.path().join("data-tier");
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    let md = fs::read_to_string(dir.join("report.md")).unwrap();
    let want: Vec<String> = DATA_TIER_PLOTS
        .iter()
        .map(|p| format!("base/{p}"))
        .collect();
    let srcs = attributes(&html, "src");
    assert_eq!(&srcs[srcs.len() - 4..], want, "after the other plots");
    let images = md_images(&md);
    assert_eq!(&images[images.len() - 4..], want);
    assert!(md.contains("### Data tier\n\n![hit_ratio](base/hit_ratio.png)\n"));
    for p in &want {
        let bytes = fs::read(dir.join(p)).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{p}");
        assert_eq!(&bytes[16..24], &png_header()[16..24], "{p}: 1600x900");
    }
    for f in linked_files(&html) {
        assert!(dir.join(&f).is_file(), "links {f}, which does not exist");
    }
}

const RECOVERY: &str = "fault,target,start_s,end_s,detected_s,recovered_s,time_to_detect_s,\
time_to_recover_s,requests_failed,requests_timed_out,lost_writes
crash,web,240,360,245,303.5,5,63.5,1234,56,
crash,db.shard0.primary,300,,310,,10,,88,0,37
";

#[test]
fn a_run_with_faults_has_a_faults_and_recovery_section() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    two_variants(dir);
    // base had faults and an SLO; scale-up is as before.
    write(&dir.join("base/recovery.csv"), RECOVERY);
    write(
        &dir.join("base/events.csv"),
        "time_s,kind,target,detail\n240,fault,web,crash\n",
    );
    let variants = strings(&["base", "scale-up"]);
    let facts = facts();
    let slo = vec![(
        "base".to_string(),
        "SLO p99 <= 300 ms, errors <= 1%: breached in 37 of 570 windows after warm-up \
         (first at 4m03s)"
            .to_string(),
    )];
    let inp = ReportInput {
        slo: &slo,
        ..input(dir, "scale", &variants, &facts)
    };
    let html = render_html(&inp).unwrap();
    let md = render_markdown(&inp).unwrap();
    let section = |text: &str, from: &str, to: &str| -> String {
        let start = text.find(from).unwrap();
        let end = text[start..].find(to).map_or(text.len(), |e| start + e);
        text[start..end].to_string()
    };

    // In base only, after its summary and before its plots.
    assert_eq!(html.matches("<h3>Faults and recovery</h3>").count(), 1);
    assert_eq!(md.matches("\n### Faults and recovery\n").count(), 1);
    let base_html = section(&html, "id=\"variant-base\"", "</section>");
    let at = base_html.find("<h3>Faults and recovery</h3>").unwrap();
    assert!(base_html.find("<h3>Summary</h3>").unwrap() < at);
    assert!(at < base_html.find("<h3>Plots</h3>").unwrap());
    let base_md = section(&md, "## Variant: base", "## Variant: scale-up");
    let at = base_md.find("### Faults and recovery").unwrap();
    assert!(base_md.find("### Summary").unwrap() < at && at < base_md.find("### Plots").unwrap());

    // The table is recovery.csv's rows in words: what did not happen
    // said, the instants of detection and recovery left to the file.
    let tables = html_tables(&html);
    assert_eq!(
        tables.len(),
        4,
        "comparison, base summary, recovery, scale-up"
    );
    let (header, want) = table_of(
        &[
            "fault",
            "target",
            "at (s)",
            "ended (s)",
            "detected after (s)",
            "recovered after (s)",
            "failed",
            "timed out",
            "lost writes",
        ],
        &[
            &[
                "crash", "web", "240", "360", "5", "63.5", "1,234", "56", "\u{2013}",
            ],
            &[
                "crash",
                "db.shard0.primary",
                "300",
                "\u{2013}",
                "10",
                "not recovered",
                "88",
                "0",
                "37",
            ],
        ],
    );
    assert_eq!(tables[2], (header.clone(), want.clone()));
    let md_recovery = &md_tables(&md)[2];
    assert_eq!(md_recovery[0], header);
    assert_eq!(md_recovery[2..], want[..]);

    // The variants fared differently: the comparison ends with the faults
    // headline, from each variant's recovery.csv.
    let (cmp_header, cmp_rows) = &tables[0];
    assert_eq!(
        cmp_header[cmp_header.len() - 5..],
        [
            "faults",
            "failed in faults",
            "timed out in faults",
            "longest to detect (s)",
            "longest to recover (s)"
        ]
    );
    let tail = |r: &Vec<String>| r[r.len() - 5..].to_vec();
    assert_eq!(
        tail(&cmp_rows[0]),
        ["2", "1,322", "56", "10.0", "1 of 2 not recovered"]
    );
    assert_eq!(tail(&cmp_rows[1]), ["0", "0", "0", "\u{2013}", "\u{2013}"]);
    assert!(html.contains("the last five columns, how each fared under its faults"));
    assert!(md.contains("the last five columns, how each fared under its faults"));

    // The verdict, and links to both files.
    assert!(base_html.contains(
        "<p class=\"verdict\">SLO p99 &lt;= 300 ms, errors &lt;= 1%: breached in 37 of 570 \
         windows after warm-up (first at 4m03s)</p>"
    ));
    assert!(base_md.contains("**SLO p99 \\<= 300 ms, errors \\<= 1%: breached in 37 of 570"));
    let linked = linked_files(&html);
    for f in ["base/recovery.csv", "base/events.csv"] {
        assert!(linked.iter().any(|l| l == f), "{f} is not linked");
        assert!(md_links(&md).iter().any(|l| l == f), "{f} is not linked");
    }
    // The seconds are explained.
    assert!(html.contains("a fault&#39;s times are seconds since the start of the run"));

    // Without recovery.csv, no section, whatever the SLO list says.
    let plain = tempfile::tempdir().unwrap();
    two_variants(plain.path());
    let inp = ReportInput {
        slo: &slo,
        ..input(plain.path(), "scale", &variants, &facts)
    };
    for text in [render_html(&inp).unwrap(), render_markdown(&inp).unwrap()] {
        assert!(!text.contains("Faults and recovery"));
        assert!(!text.contains("SLO p99"));
        assert!(!text.contains("are seconds"));
        assert!(!text.contains("in faults"));
    }
}

#[test]
fn a_long_recovery_table_is_cut_and_an_empty_one_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut csv = RECOVERY.lines().next().unwrap().to_string() + "\n";
    for i in 0..130 {
        csv.push_str(&format!(
            "random crash,web.{},{i},{},,,,,0,0,\n",
            i % 4,
            i + 1
        ));
    }
    write(&dir.join("base/summary.csv"), summary(BASE_SUMMARY));
    write(&dir.join("base/recovery.csv"), &csv);
    write(
        &dir.join("calm/recovery.csv"),
        RECOVERY.lines().next().unwrap(),
    );
    let variants = strings(&["base", "calm"]);
    let inp = input(dir, "chaos", &variants, &[]);
    let html = render_html(&inp).unwrap();
    let md = render_markdown(&inp).unwrap();
    let tables = html_tables(&html);
    assert_eq!(tables[1].1.len(), 100, "the first 100 rows");
    assert!(html.contains("\u{2026} and 30 more rows in <a href=\"base/recovery.csv\">"));
    assert!(md.contains("\u{2026} and 30 more rows in [`base/recovery.csv`](base/recovery.csv)."));
    assert_eq!(md_tables(&md)[1].len(), 102);
    // A run whose faults never struck has no table, and says why.
    assert_eq!(tables.len(), 2);
    assert!(html.contains("No fault struck during the run (<a href=\"calm/recovery.csv\">"));
    assert!(md.contains("No fault struck during the run ([`calm/recovery.csv`]"));
}
