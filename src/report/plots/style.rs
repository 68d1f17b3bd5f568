//! What every plot shares: size, font, colours, axes, the legend band, the
//! warm-up shading, and writing the PNG atomically.

use std::error::Error;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
pub(crate) use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::Ticked;
pub(crate) use super::text::width;
use crate::report::atomic;

/// Every plot is this many pixels wide...
pub(crate) const WIDTH: u32 = 1600;
/// ... and this many high.
pub(crate) const HEIGHT: u32 = 900;

/// What drawing returns; turned into an `io::Error` at the end.
pub(crate) type Drawn<T = ()> = Result<T, Box<dyn Error>>;

/// The whole image.
pub(crate) type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// The family every text uses; DejaVu Sans is registered under it (and the
/// other generic names, so that nothing can fall back to a system font).
pub(crate) const FONT: &str = "sans-serif";

static FONTS: Once = Once::new();

/// Registers DejaVu Sans, embedded in the binary, as the font of every text.
/// Idempotent; called before any drawing.
pub(crate) fn register_fonts() {
    FONTS.call_once(|| {
        for name in ["sans-serif", "serif", "monospace"] {
            // The bytes are a valid TrueType font, checked by the tests.
            let _ =
                plotters::style::register_font(name, FontStyle::Normal, dejavu::sans::regular());
        }
        let _ = plotters::style::register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold());
    });
}

// Okabe-Ito: distinguishable with the common colour-vision deficiencies.
pub(crate) const OI_BLUE: RGBColor = RGBColor(0, 114, 178);
pub(crate) const OI_VERMILLION: RGBColor = RGBColor(213, 94, 0);
pub(crate) const OI_GREEN: RGBColor = RGBColor(0, 158, 115);
pub(crate) const OI_PURPLE: RGBColor = RGBColor(204, 121, 167);
pub(crate) const OI_ORANGE: RGBColor = RGBColor(230, 159, 0);
pub(crate) const OI_SKY: RGBColor = RGBColor(86, 180, 233);
pub(crate) const OI_BLACK: RGBColor = RGBColor(0, 0, 0);
pub(crate) const OI_YELLOW: RGBColor = RGBColor(240, 228, 66);

/// Colours of overlaid variants or classes, in order (yellow, the weakest on
/// white, last).
pub(crate) const SERIES: [RGBColor; 8] = [
    OI_BLUE,
    OI_VERMILLION,
    OI_GREEN,
    OI_PURPLE,
    OI_ORANGE,
    OI_SKY,
    OI_BLACK,
    OI_YELLOW,
];

/// The `i`th series colour.
pub(crate) fn series_color(i: usize) -> RGBColor {
    SERIES[i % SERIES.len()]
}

pub(crate) const TEXT: RGBColor = RGBColor(34, 34, 34);
pub(crate) const MUTED: RGBColor = RGBColor(105, 105, 105);
pub(crate) const AXIS: RGBColor = RGBColor(140, 140, 140);
pub(crate) const GRID: RGBColor = RGBColor(222, 222, 222);
pub(crate) const GRID_LIGHT: RGBColor = RGBColor(242, 242, 242);
pub(crate) const SHADE: RGBColor = RGBColor(236, 236, 236);
pub(crate) const MARKER: RGBColor = RGBColor(80, 80, 80);
/// The offered rate: the input, drawn in near-black.
pub(crate) const OFFERED: RGBColor = RGBColor(40, 40, 40);

// Text sizes are even: see `text::draw`.
pub(crate) const TITLE_SIZE: u32 = 26;
pub(crate) const SUBTITLE_SIZE: u32 = 16;
pub(crate) const PANEL_TITLE_SIZE: u32 = 16;
pub(crate) const DESC_SIZE: u32 = 16;
pub(crate) const TICK_SIZE: u32 = 14;
pub(crate) const LEGEND_SIZE: u32 = 16;
pub(crate) const NOTE_SIZE: u32 = 14;

/// A style whose text is not drawn (plotters' own labels, replaced by ours).
pub(crate) fn invisible() -> TextStyle<'static> {
    TextStyle {
        font: (FONT, TICK_SIZE).into_font(),
        color: TRANSPARENT.to_backend_color(),
        pos: Pos::default(),
    }
}

/// Draws `text` anchored at `at`.
pub(crate) fn label(
    root: &Area,
    text: &str,
    size: u32,
    color: RGBColor,
    at: (i32, i32),
    h: HPos,
    v: VPos,
) -> Drawn {
    super::text::draw(root, text, size, color, at, (h, v), false)
}

/// Renders an image with `draw` and writes it to `path` as a PNG, atomically:
/// drawn into memory, saved to a temporary file in the same folder, synced,
/// and renamed into place.
pub(crate) fn write_png(path: &Path, draw: impl FnOnce(&Area) -> Drawn) -> io::Result<PathBuf> {
    register_fonts();
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    // The extension tells the encoder the format.
    builder.prefix(".capsim-").suffix(".png");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    // Closed but still removed on drop: the encoder reopens it by path.
    let at = |e| atomic::at_path(path, e);
    let tmp = builder.tempfile_in(dir).map_err(at)?.into_temp_path();
    let drawn: Drawn = (|| {
        let root = BitMapBackend::new(&*tmp, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
        Ok(())
    })();
    drawn.map_err(|e| written_as_io(&*e, path))?;
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(at)?;
    tmp.persist(path).map_err(|e| at(e.error))?;
    Ok(path.to_path_buf())
}

/// The bitmap backend's error: its Display is a Debug dump, so the file
/// system's error inside is told instead.
type BitmapError = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

/// A failed drawing of `path` as an `io::Error` a person can read: the
/// operating system's error when the file could not be written (a full
/// disk, a folder where the file goes), else what plotters said.
fn written_as_io(e: &(dyn Error + 'static), path: &Path) -> io::Error {
    let shown = atomic::shown(path);
    let inner = match e.downcast_ref::<DrawingAreaErrorKind<BitmapError>>() {
        Some(DrawingAreaErrorKind::BackendError(
            plotters_backend::DrawingErrorKind::DrawingError(b),
        )) => match b {
            BitmapError::IOError(io) => Some((io.kind(), io.to_string())),
            BitmapError::ImageError(image) => image
                .source()
                .and_then(|s| s.downcast_ref::<io::Error>())
                .map(|io| (io.kind(), io.to_string()))
                .or_else(|| Some((io::ErrorKind::Other, image.to_string()))),
            _ => None,
        },
        _ => None,
    };
    let (kind, text) = inner.unwrap_or_else(|| (io::ErrorKind::Other, e.to_string()));
    io::Error::new(kind, format!("`{}`: {text}", shown.display()))
}

/// Draws the title and subtitle centred at the top; returns the height used.
pub(crate) fn draw_title(root: &Area, title: &str, subtitle: &str) -> Drawn<i32> {
    let w = WIDTH as i32;
    let title = fit(title, TITLE_SIZE, w - 40);
    let subtitle = fit(subtitle, SUBTITLE_SIZE, w - 40);
    label(
        root,
        &title,
        TITLE_SIZE,
        TEXT,
        (w / 2, 14),
        HPos::Center,
        VPos::Top,
    )?;
    let mut h = 14 + TITLE_SIZE as i32 + 6;
    if !subtitle.is_empty() {
        label(
            root,
            &subtitle,
            SUBTITLE_SIZE,
            MUTED,
            (w / 2, h),
            HPos::Center,
            VPos::Top,
        )?;
        h += SUBTITLE_SIZE as i32 + 4;
    }
    Ok(h)
}

/// How a legend entry shows its series.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Swatch {
    /// A line of this colour and width.
    Line(RGBColor, u32),
    /// A dashed line.
    Dashed(RGBColor),
    /// A line of this colour, pattern and width (a marker's).
    Rule(RGBColor, Dash, u32),
    /// A filled square.
    Fill(RGBColor),
    /// A point marker: a dot of this colour, filled (`true`) or hollow.
    Dot(RGBColor, bool),
    /// A ring around a point (a plan's choice).
    Ring(RGBColor),
}

/// One legend entry.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) label: String,
    pub(crate) swatch: Swatch,
}

impl Entry {
    pub(crate) fn new(label: impl Into<String>, swatch: Swatch) -> Entry {
        Entry {
            label: label.into(),
            swatch,
        }
    }
}

const SWATCH_W: i32 = 30;
const SWATCH_GAP: i32 = 8;
const ENTRY_GAP: i32 = 30;
const LEGEND_ROW: i32 = 26;

fn legend_rows(entries: &[Entry], room: i32) -> Vec<Vec<(usize, i32)>> {
    let mut rows: Vec<Vec<(usize, i32)>> = vec![Vec::new()];
    let mut used = 0;
    for (i, e) in entries.iter().enumerate() {
        let w = SWATCH_W + SWATCH_GAP + width(&e.label, LEGEND_SIZE);
        let need = if used == 0 { w } else { used + ENTRY_GAP + w };
        if need > room && used > 0 {
            rows.push(vec![(i, w)]);
            used = w;
        } else {
            rows.last_mut().expect("a row").push((i, w));
            used = need;
        }
    }
    rows
}

/// Draws a legend band of `entries` centred over `x` (pixels), its top at
/// `top`, wrapping to more rows as needed; returns its height. Outside any
/// plotting area: it hides no data.
pub(crate) fn draw_legend(root: &Area, entries: &[Entry], x: Range<i32>, top: i32) -> Drawn<i32> {
    if entries.is_empty() {
        return Ok(0);
    }
    // An entry longer than a row is shortened.
    let room = x.end - x.start - SWATCH_W - SWATCH_GAP;
    let entries: Vec<Entry> = entries
        .iter()
        .map(|e| Entry::new(fit(&e.label, LEGEND_SIZE, room), e.swatch))
        .collect();
    let entries = &entries[..];
    let rows = legend_rows(entries, x.end - x.start);
    for (r, row) in rows.iter().enumerate() {
        let total: i32 =
            row.iter().map(|(_, w)| w).sum::<i32>() + ENTRY_GAP * (row.len() as i32 - 1);
        let mut cx = x.start + ((x.end - x.start) - total).max(0) / 2;
        let cy = top + r as i32 * LEGEND_ROW + LEGEND_ROW / 2;
        for &(i, w) in row {
            let e = &entries[i];
            match e.swatch {
                Swatch::Line(c, width) => {
                    root.draw(&PathElement::new(
                        vec![(cx, cy), (cx + SWATCH_W, cy)],
                        c.stroke_width(width.clamp(2, 5)),
                    ))?;
                }
                Swatch::Dashed(c) => dashed_hline(root, cx, cx + SWATCH_W, cy, c)?,
                Swatch::Rule(c, dash, w) => rule(root, (cx, cy), (cx + SWATCH_W, cy), c, dash, w)?,
                Swatch::Fill(c) => {
                    root.draw(&Rectangle::new(
                        [(cx + 4, cy - 8), (cx + SWATCH_W - 4, cy + 8)],
                        c.filled(),
                    ))?;
                }
                Swatch::Dot(c, filled) => point_marker(root, (cx + SWATCH_W / 2, cy), c, filled)?,
                Swatch::Ring(c) => point_ring(root, (cx + SWATCH_W / 2, cy), c)?,
            }
            label(
                root,
                &e.label,
                LEGEND_SIZE,
                TEXT,
                (cx + SWATCH_W + SWATCH_GAP, cy),
                HPos::Left,
                VPos::Center,
            )?;
            cx += w + ENTRY_GAP;
        }
    }
    Ok(rows.len() as i32 * LEGEND_ROW)
}

/// Radius of a point marker, in pixels.
pub(crate) const DOT_RADIUS: i32 = 5;

/// A point marker at `at` (pixels): filled, or hollow (white inside).
pub(crate) fn point_marker(root: &Area, at: (i32, i32), c: RGBColor, filled: bool) -> Drawn {
    if filled {
        root.draw(&Circle::new(at, DOT_RADIUS, c.filled()))?;
    } else {
        root.draw(&Circle::new(at, DOT_RADIUS, WHITE.filled()))?;
        root.draw(&Circle::new(at, DOT_RADIUS, c.stroke_width(2)))?;
    }
    Ok(())
}

/// A ring around a point marker at `at` (pixels).
pub(crate) fn point_ring(root: &Area, at: (i32, i32), c: RGBColor) -> Drawn {
    root.draw(&Circle::new(at, DOT_RADIUS + 6, c.stroke_width(2)))?;
    Ok(())
}

fn dashed_hline(root: &Area, x0: i32, x1: i32, y: i32, c: RGBColor) -> Drawn {
    let mut x = x0;
    while x < x1 {
        root.draw(&PathElement::new(
            vec![(x, y), ((x + 5).min(x1), y)],
            c.stroke_width(2),
        ))?;
        x += 9;
    }
    Ok(())
}

/// A dashed vertical line from `y.start` to `y.end`.
pub(crate) fn dashed_vline(root: &Area, x: i32, y: Range<i32>, c: RGBColor) -> Drawn {
    let mut y0 = y.start;
    while y0 < y.end {
        root.draw(&PathElement::new(
            vec![(x, y0), (x, (y0 + 6).min(y.end))],
            c.stroke_width(1),
        ))?;
        y0 += 10;
    }
    Ok(())
}

/// The pattern of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dash {
    Solid,
    Dashed,
    Dotted,
}

/// A horizontal or vertical line from `a` to `b` in `dash`, `width` pixels
/// across.
pub(crate) fn rule(
    root: &Area,
    a: (i32, i32),
    b: (i32, i32),
    c: RGBColor,
    dash: Dash,
    width: u32,
) -> Drawn {
    let style = c.stroke_width(width);
    let (on, period) = match dash {
        Dash::Solid => {
            root.draw(&PathElement::new(vec![a, b], style))?;
            return Ok(());
        }
        Dash::Dashed => (6, 10),
        Dash::Dotted => (2, 5),
    };
    let len = (b.0 - a.0).abs().max((b.1 - a.1).abs());
    let (dx, dy) = ((b.0 - a.0).signum(), (b.1 - a.1).signum());
    let mut s = 0;
    while s < len {
        let e = (s + on).min(len);
        root.draw(&PathElement::new(
            vec![(a.0 + dx * s, a.1 + dy * s), (a.0 + dx * e, a.1 + dy * e)],
            style,
        ))?;
        s += period;
    }
    Ok(())
}

/// `text`, cut with an ellipsis to fit in `room` pixels at `size`.
pub(crate) fn fit(text: &str, size: u32, room: i32) -> String {
    if width(text, size) <= room {
        return text.to_string();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let cut: String = chars.iter().collect::<String>().trim_end().to_string() + "…";
        if width(&cut, size) <= room {
            return cut;
        }
    }
    String::new()
}

/// The time axis shared by every time plot: seconds from 0 to `end`, ticks
/// at round steps (1 s, 15 s, 1 min, 1 h...), labelled `2m30s`.
#[derive(Clone, Debug)]
pub(crate) struct TimeAxis {
    pub(crate) end: f64,
    pub(crate) step: f64,
}

const TIME_STEPS: [f64; 22] = [
    0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0,
    900.0, 1800.0, 3600.0, 7200.0, 10800.0, 21600.0,
];

impl TimeAxis {
    /// An axis from 0 to `end` seconds with at most about 12 ticks.
    pub(crate) fn new(end: f64) -> TimeAxis {
        TimeAxis::with_ticks(end, 12.0)
    }

    /// An axis from 0 to `end` seconds with at most about `ticks` ticks.
    pub(crate) fn with_ticks(end: f64, ticks: f64) -> TimeAxis {
        let end = if end.is_finite() && end > 0.0 {
            end
        } else {
            1.0
        };
        let ticks = ticks.max(2.0);
        let step = TIME_STEPS
            .iter()
            .copied()
            .find(|s| end / s <= ticks)
            .unwrap_or_else(|| {
                // Whole days past that.
                let days = (end / 86400.0 / ticks).ceil().max(1.0);
                days * 86400.0
            });
        TimeAxis { end, step }
    }

    /// The tick positions.
    pub(crate) fn ticks(&self) -> Vec<f64> {
        let n = (self.end / self.step + 1e-9).floor() as usize;
        (0..=n).map(|i| i as f64 * self.step).collect()
    }

    /// The coordinate of plotters: `0..end` with our ticks.
    pub(crate) fn coord(&self) -> Ticked<plotters::coord::types::RangedCoordf64> {
        Ticked::linear(0.0..self.end, self.ticks())
    }
}

/// `t` seconds as a tick label: `0`, `45s`, `2m`, `2m30s`, `1h`, `1h30m`,
/// `0.5s`.
pub(crate) fn fmt_time(t: f64) -> String {
    if t.abs() < 1e-9 {
        return "0".into();
    }
    let whole = t.round();
    if (t - whole).abs() > 1e-6 {
        return format!("{}s", fmt_num(t));
    }
    let mut s = whole as u64;
    let mut out = String::new();
    let d = s / 86400;
    s %= 86400;
    let h = s / 3600;
    s %= 3600;
    let m = s / 60;
    s %= 60;
    for (v, unit) in [(d, "d"), (h, "h"), (m, "m"), (s, "s")] {
        if v > 0 {
            out.push_str(&format!("{v}{unit}"));
        }
    }
    out
}

/// A number as an axis label: few digits, no float noise, `k`/`M` for large.
pub(crate) fn fmt_num(v: f64) -> String {
    fn trim(s: String) -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    }
    let a = v.abs();
    if a >= 1e6 {
        format!("{}M", trim(format!("{:.2}", v / 1e6)))
    } else if a >= 1e4 {
        format!("{}k", trim(format!("{:.2}", v / 1e3)))
    } else if a >= 100.0 {
        trim(format!("{v:.1}"))
    } else if a >= 1.0 || a == 0.0 {
        trim(format!("{v:.3}"))
    } else {
        // Enough decimals for three significant digits.
        let decimals = (-a.log10()).floor() as usize + 3;
        trim(format!("{v:.decimals$}"))
    }
}

/// `n` with thousands separated: `499,701`.
pub(crate) fn fmt_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Nice value at or above `v`.
pub(crate) fn nice_ceil(v: f64) -> f64 {
    let p = 10f64.powf(v.log10().floor());
    let m = v / p;
    let n = if m <= 1.0 + 1e-9 {
        1.0
    } else if m <= 2.0 + 1e-9 {
        2.0
    } else if m <= 5.0 + 1e-9 {
        5.0
    } else {
        10.0
    };
    n * p
}

/// Mantissas of the bounds of log axes: finer than the ticks, so that little
/// of the plot is empty.
const BOUNDS: [f64; 7] = [1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 10.0];

fn fine_floor(v: f64) -> f64 {
    let p = 10f64.powf(v.log10().floor());
    let m = BOUNDS
        .iter()
        .rev()
        .find(|&&b| b * p <= v * (1.0 + 1e-9))
        .copied()
        .unwrap_or(1.0);
    m * p
}

fn fine_ceil(v: f64) -> f64 {
    let p = 10f64.powf(v.log10().floor());
    let m = BOUNDS
        .iter()
        .find(|&&b| b * p >= v * (1.0 - 1e-9))
        .copied()
        .unwrap_or(10.0);
    m * p
}

/// A log axis over positive values `lo..hi`, widened to nice bounds.
#[derive(Clone, Debug)]
pub(crate) struct LogAxis {
    pub(crate) lo: f64,
    pub(crate) hi: f64,
}

impl LogAxis {
    /// From the smallest and largest value to show (positive; others are
    /// replaced by a one-decade default).
    pub(crate) fn new(min: f64, max: f64) -> LogAxis {
        let (min, max) = match (min.is_finite() && min > 0.0, max.is_finite() && max > 0.0) {
            (true, true) => (min.min(max), max.max(min)),
            (true, false) => (min, min * 10.0),
            (false, true) => (max / 10.0, max),
            (false, false) => (1.0, 10.0),
        };
        let mut axis = LogAxis {
            lo: fine_floor(min / 1.1),
            hi: fine_ceil(max * 1.1),
        };
        // At least three labelled ticks, so that the scale can be read.
        for _ in 0..8 {
            if axis.ticks().len() >= 3 {
                break;
            }
            axis = LogAxis {
                lo: fine_floor(axis.lo / 1.5),
                hi: fine_ceil(axis.hi * 1.5),
            };
        }
        axis
    }

    /// Labelled ticks: 1-1.5-2-3-5-7 steps within about a decade, 1-2-5 for
    /// up to three decades, powers of ten past that (every other one past
    /// eight decades).
    pub(crate) fn ticks(&self) -> Vec<f64> {
        let decades = (self.hi / self.lo).log10();
        let mults: &[f64] = if decades <= 1.2 {
            &[1.0, 1.5, 2.0, 3.0, 5.0, 7.0]
        } else if decades <= 3.2 {
            &[1.0, 2.0, 5.0]
        } else {
            &[1.0]
        };
        let every = if decades > 8.0 { 2 } else { 1 };
        let mut out = Vec::new();
        let mut k = self.lo.log10().floor() as i32;
        while 10f64.powi(k) <= self.hi * 1.0001 {
            if k.rem_euclid(every) == 0 {
                for m in mults {
                    let v = m * 10f64.powi(k);
                    if v >= self.lo * 0.9999 && v <= self.hi * 1.0001 {
                        out.push(v);
                    }
                }
            }
            k += 1;
        }
        out
    }

    /// Unlabelled grid lines: 1..9 times each power of ten (up to five
    /// decades).
    pub(crate) fn light(&self) -> Vec<f64> {
        let decades = (self.hi / self.lo).log10();
        if decades > 5.0 {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut k = self.lo.log10().floor() as i32;
        while 10f64.powi(k) <= self.hi {
            for m in 1..10 {
                let v = m as f64 * 10f64.powi(k);
                if v >= self.lo && v <= self.hi {
                    out.push(v);
                }
            }
            k += 1;
        }
        out
    }

    /// The coordinate of plotters.
    pub(crate) fn coord(&self) -> Ticked<plotters::coord::combinators::LogCoord<f64>> {
        Ticked::log(self.lo..self.hi, self.ticks(), self.light())
    }

    /// `v` clamped into the axis (zero and below to the bottom).
    pub(crate) fn clamp(&self, v: f64) -> f64 {
        v.clamp(self.lo, self.hi)
    }
}

/// Geometry of a drawn panel: where its plotting area is, in pixels, and how
/// time maps to x.
#[derive(Clone, Debug)]
pub(crate) struct Frame {
    pub(crate) x: Range<i32>,
    pub(crate) y: Range<i32>,
    pub(crate) end: f64,
}

impl Frame {
    /// The pixel column of `t` seconds.
    pub(crate) fn px(&self, t: f64) -> i32 {
        let w = (self.x.end - self.x.start - 1).max(1) as f64;
        self.x.start + ((t / self.end).clamp(0.0, 1.0) * w).round() as i32
    }
}

/// Shades the warm-up `0..warmup` seconds of a panel (drawn before the grid
/// and the data, so both stay visible over it).
pub(crate) fn shade_warmup(root: &Area, f: &Frame, warmup: f64) -> Drawn {
    if warmup <= 0.0 {
        return Ok(());
    }
    let x1 = f.px(warmup.min(f.end));
    root.draw(&Rectangle::new(
        [(f.x.start, f.y.start), (x1, f.y.end - 1)],
        SHADE.filled(),
    ))?;
    Ok(())
}

/// Height of the strip above the top panel that labels the warm-up and the
/// markers.
pub(crate) const STRIP: i32 = 22;

/// Writes `text` centred in a frame (for an empty panel).
pub(crate) fn note_in(root: &Area, f: &Frame, text: &str) -> Drawn {
    label(
        root,
        text,
        NOTE_SIZE + 2,
        MUTED,
        ((f.x.start + f.x.end) / 2, (f.y.start + f.y.end) / 2),
        HPos::Center,
        VPos::Center,
    )
}

/// Splits `points` at gaps (NaN y) into runs of consecutive points.
pub(crate) fn runs(points: impl Iterator<Item = (f64, f64)>) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut cur = Vec::new();
    for (x, y) in points {
        if y.is_finite() {
            cur.push((x, y));
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_labels_read_like_durations() {
        assert_eq!(fmt_time(0.0), "0");
        assert_eq!(fmt_time(150.0), "2m30s");
        assert_eq!(fmt_time(5400.0), "1h30m");
        assert_eq!(fmt_time(0.5), "0.5s");
        let a = TimeAxis::new(300.0);
        assert_eq!(a.step, 30.0);
        assert_eq!(a.ticks().len(), 11);
        assert!(TimeAxis::new(600.0).ticks().len() <= 13);
        assert!(TimeAxis::new(86400.0 * 3.0).ticks().len() <= 13);
    }

    #[test]
    fn numbers_have_no_float_noise() {
        assert_eq!(fmt_num(0.30000000000000004), "0.3");
        assert_eq!(fmt_num(4200.0), "4200");
        assert_eq!(fmt_num(12500.0), "12.5k");
        assert_eq!(fmt_num(0.002), "0.002");
        assert_eq!(fmt_num(0.0), "0");
        assert_eq!(fmt_count(499701), "499,701");
        assert_eq!(fmt_count(1000), "1,000");
        assert_eq!(fmt_count(999), "999");
        assert_eq!(fit("short", 14, 1000), "short");
        let cut = fit("a rather long caption for a small panel", 14, 120);
        assert!(cut.ends_with('…') && width(&cut, 14) <= 120, "{cut}");
    }

    #[test]
    fn log_axes_are_nice_and_ticked() {
        let a = LogAxis::new(3.0, 450.0);
        assert_eq!((a.lo, a.hi), (2.0, 500.0));
        assert_eq!(
            a.ticks(),
            vec![2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0]
        );
        let c = LogAxis::new(60.0, 200.0);
        assert!(
            (c.lo - 50.0).abs() < 1e-9 && (c.hi - 300.0).abs() < 1e-9,
            "{c:?}"
        );
        let b = LogAxis::new(8.0, 9.0);
        assert!(b.ticks().len() >= 3 && b.lo <= 8.0 && b.hi >= 9.0, "{b:?}");
        assert!(!LogAxis::new(0.001, 1e7).ticks().is_empty());
    }
}
